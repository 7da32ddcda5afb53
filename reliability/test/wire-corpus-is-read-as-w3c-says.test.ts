// Issue 15, the wire corpus: every case of reliability/src/wire-corpus.ts (malformed and unsupported
// traceparents, extra fields, all-zero ids, duplicate headers, an 8 KB traceparent, oversized
// tracestate, 200-entry and 10 KB baggage, bad percent-escapes, control characters, non-UTF-8 bytes,
// Buffer, number and nested header values) is sent from outside to an HTTP server (raw sockets), an
// amqplib consumer (a plain amqplib channel) and a BullMQ worker (a plain BullMQ queue) of an agent
// traced by the real `init` (reliability/src/wire-corpus-agent.ts). Read back from the real Jaeger: each
// span follows W3C's verdict (continues the caller's trace, or starts its own), the agent never threw
// and logged nothing (no propagator warning), and no exported attribute holds an unsanitized value.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { JaegerSpan } from '@agentrace/core/jaeger';
import { jaegerQueryUrl, otlpTracesEndpoint } from '@agentrace/testing';
import amqp from 'amqplib';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { fetchServiceTraces, tagText } from '../src/planted-secrets.js';
import { appliesTo, asCarrierValue, UNSAFE_TEXT, wireCorpus, type WireCase } from '../src/wire-corpus.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Sends one raw HTTP/1.1 request with these header lines (bytes as given); resolves with the status code. */
function rawRequest(port: number, path: string, headers: WireCase['headers']): Promise<number> {
  const parts: Buffer[] = [Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`)];
  for (const [name, value] of headers) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from((value as { bytes: number[] }).bytes);
    parts.push(Buffer.from(`${name}: `), bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('\r\n'));
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(Buffer.concat(parts)));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}

function carrierOf(c: WireCase): Record<string, unknown> {
  const carrier: Record<string, unknown> = {};
  for (const [name, value] of c.headers) carrier[name] = asCarrierValue(value);
  return carrier;
}

describe('the wire corpus', () => {
  it('HTTP server, amqplib and BullMQ consumers: W3C verdicts, no throw, no warning, nothing unsanitized in Jaeger', async () => {
    const corpus = wireCorpus();
    const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const service = `reliability-wire-${id}`;
    const amqpQueue = `agentrace-wire-${id}`;
    const bullQueue = `wire-${id}`;
    const amqpCases = corpus.cases.map((c, i) => [c, i] as const).filter(([c]) => appliesTo(c, 'amqp'));
    // A JSON carrier cannot hold bytes: those cases are AMQP only.
    const bullCases = corpus.cases.map((c, i) => [c, i] as const).filter(([c]) => appliesTo(c, 'bullmq'));
    const httpCases = corpus.cases.map((c, i) => [c, i] as const).filter(([c]) => appliesTo(c, 'http'));

    const child = spawn(`${repo}node_modules/.bin/tsx`, ['--tsconfig', `${repo}tsconfig.test.json`, `${repo}reliability/src/wire-corpus-agent.ts`], {
      cwd: repo,
      env: {
        ...process.env,
        SERVICE_NAME: service,
        OTLP_ENDPOINT: otlpTracesEndpoint(),
        AMQP_QUEUE: amqpQueue,
        BULL_QUEUE: bullQueue,
        AMQP_CASES: String(amqpCases.length),
        BULL_CASES: String(bullCases.length),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const ready = /ready (\d+)/.exec(stdout);
        if (ready) resolve(Number(ready[1]));
      });
      child.on('exit', () => reject(new Error(`agent ended before it was ready:\n${stderr}`)));
    });

    // HTTP: raw requests, so duplicate headers, raw bytes and any length reach the server as sent.
    const statuses = new Map<number, number>();
    for (const [c, i] of httpCases) statuses.set(i, await rawRequest(port, `/case/${i}`, c.headers));
    // amqplib and BullMQ: plain clients, no instrumentation in this process.
    const connection = await amqp.connect(process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672');
    const channel = await connection.createChannel();
    for (const [c, i] of amqpCases) channel.sendToQueue(amqpQueue, Buffer.from('{}'), { messageId: `case-${i}`, headers: carrierOf(c) });
    await channel.close();
    await connection.close();
    const redisUrl = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
    const queue = new Queue(bullQueue, { connection: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) }, prefix: `agentrace-${bullQueue}` });
    for (const [c, i] of bullCases) await queue.add(`case-${i}`, {}, { telemetry: { metadata: JSON.stringify(carrierOf(c)) }, removeOnComplete: true });
    await rawRequest(port, '/done', []);
    const code = await exited;
    await queue.obliterate({ force: true });
    await queue.close();

    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout.split('\n').find((l) => l.startsWith('result '))!.slice(7)) as {
      handled: { http: number; amqp: number; bullmq: number };
      diagnostics: string[];
      stats: { exported: number; dropped: { total: number } };
    };
    // No throw: every message handled, every request the HTTP parser accepted answered.
    const accepted = httpCases.filter(([c]) => c.refusedByHttpParser !== true);
    expect(result.handled).toEqual({ http: accepted.length, amqp: amqpCases.length, bullmq: bullCases.length });
    for (const [c, i] of httpCases) expect(statuses.get(i), c.name).toBe(c.refusedByHttpParser ? 400 : 200);
    // No warning from a propagator, nor any other diagnostic.
    expect(result.diagnostics).toEqual([]);
    expect(result.stats.dropped.total).toBe(0);

    // One span per accepted request (the /done one included), message and job.
    const expected = accepted.length + 1 + amqpCases.length + bullCases.length;
    let stored = await fetchServiceTraces(jaegerQueryUrl(), service);
    const count = (): number => stored.traces.reduce((n, t) => n + t.spans.length, 0);
    for (let delay = 100; count() < expected && delay < 30_000; delay *= 1.5) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      stored = await fetchServiceTraces(jaegerQueryUrl(), service);
    }
    const spans = stored.traces.flatMap((t) => t.spans);
    expect(spans).toHaveLength(expected);

    const verdictOf = (span: JaegerSpan): string => {
      const parent = span.references?.find((r) => r.refType === 'CHILD_OF');
      return span.traceID.padStart(32, '0') === corpus.traceId && parent?.spanID.padStart(16, '0') === corpus.spanId ? 'continue' : 'restart';
    };
    const find = (where: (s: JaegerSpan) => boolean, what: string): JaegerSpan => {
      const found = spans.filter(where);
      expect(found, what).toHaveLength(1);
      return found[0]!;
    };
    const verdicts: string[] = [];
    const wanted: string[] = [];
    for (const [c, i] of accepted) {
      const span = find((s) => tagText(s.tags, 'url.path') === `/case/${i}`, `http ${c.name}`);
      verdicts.push(`http ${c.name}: ${verdictOf(span)}`);
      wanted.push(`http ${c.name}: ${c.verdict}`);
    }
    for (const [c, i] of amqpCases) {
      const span = find((s) => tagText(s.tags, 'messaging.message.id') === `case-${i}`, `amqp ${c.name}`);
      verdicts.push(`amqp ${c.name}: ${verdictOf(span)}`);
      wanted.push(`amqp ${c.name}: ${c.verdict}`);
      // The attempt is the broker's (first delivery), whatever header the publisher set.
      expect(span.tags?.find((t) => t.key === 'agentrace.messaging.attempt')?.value, c.name).toBe(1);
    }
    for (const [c, i] of bullCases) {
      const span = find((s) => tagText(s.tags, 'bullmq.job.name') === `case-${i}`, `bullmq ${c.name}`);
      verdicts.push(`bullmq ${c.name}: ${verdictOf(span)}`);
      wanted.push(`bullmq ${c.name}: ${c.verdict}`);
    }
    expect(verdicts).toEqual(wanted);

    // Nothing unsanitized in any exported attribute or event field: no control, bidi or invisible
    // formatting character, no caller claim over 256 bytes, no trace of the invalid members.
    const unsafe: string[] = [];
    for (const span of spans) {
      for (const kv of [...(span.tags ?? []), ...(span.logs ?? []).flatMap((l) => l.fields)]) {
        const text = typeof kv.value === 'string' ? kv.value : JSON.stringify(kv.value);
        if (UNSAFE_TEXT.test(text)) unsafe.push(`${span.operationName} ${kv.key}=${JSON.stringify(text).slice(0, 80)}`);
        if (kv.key.startsWith('agentrace.caller.') && Buffer.byteLength(text) > 256) unsafe.push(`${kv.key} is ${Buffer.byteLength(text)} bytes`);
      }
    }
    expect(unsafe).toEqual([]);
    expect(stored.text).not.toContain('\\u0000');
    expect(stored.text).not.toContain('x'.repeat(300));
    // Claims were recorded, sanitized: the HTTP caller's user.id without its control characters.
    const dirty = httpCases.find(([c]) => c.name.startsWith('control characters'))!;
    const dirtySpan = find((s) => tagText(s.tags, 'url.path') === `/case/${dirty[1]}`, 'dirty');
    expect(tagText(dirtySpan.tags, 'agentrace.caller.user.id')).toBe('line1line2[31mevil');
    expect(tagText(dirtySpan.tags, 'agentrace.caller.correlation_id')).toMatch(/^<script>alert\(1\)<\/script>x+…\[truncated\]$/);
    expect(tagText(dirtySpan.tags, 'agentrace.correlation_id')).toBeUndefined();
    expect(tagText(dirtySpan.tags, 'user.id')).toBeUndefined();
  }, 120_000);
});
