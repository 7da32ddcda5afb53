// For every registered client whose messages can leave the process: a producer process (ESM) and a
// consumer process, each with @agentrace/tracer's `init`, exporting over OTLP to Jaeger. Each message
// must be one trace in Jaeger holding both services, the process span `CHILD_OF` the producer span, and
// the run's correlation id on the consumer's span; each handler sees its own run's id in baggage.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ATTR_CORRELATION_ID } from '@agentrace/core';
import { jaegerQueryUrl, otlpTracesEndpoint } from '@agentrace/testing';
import { describe, expect, it } from 'vitest';
import { adapterOf, QUEUE_CLIENTS } from './utils/clients.js';
import { uniqueName } from './utils/runs.js';

const MESSAGES = 3;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = `${repoRoot}node_modules/.bin/tsx`;
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  references: Array<{ refType: string; spanID: string; traceID: string }>;
  tags: Array<{ key: string; value: unknown }>;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

function start(file: string, env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const child = spawn(tsx, ['--tsconfig', `${repoRoot}tsconfig.test.json`, fixture(file)], { cwd: repoRoot, env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, output: () => out, exited };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const begin = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - begin > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function jaegerTrace(traceId: string): Promise<JaegerTrace | undefined> {
  const response = await fetch(`${jaegerQueryUrl()}/api/traces/${traceId}`);
  if (!response.ok) return undefined;
  const body = (await response.json()) as { data?: JaegerTrace[] };
  return body.data?.[0];
}

for (const client of QUEUE_CLIENTS) {
  const key = client.optionKey;
  describe(key, () => {
    it('shows each message as one trace holding the producer and the consumer service in Jaeger', async (ctx) => {
      const adapter = await adapterOf(client);
      if (!adapter.crossProcess) return ctx.skip(); // an in-process queue never leaves its process
      const id = uniqueName('e2e');
      const env = {
        E2E_CLIENTS: key,
        E2E_PRODUCER_SERVICE: `agentrace-queue-producer-${id}`,
        E2E_CONSUMER_SERVICE: `agentrace-queue-consumer-${id}`,
        E2E_OTLP_TRACES: otlpTracesEndpoint(),
        E2E_QUEUE: `agentrace-e2e-${id}`,
        E2E_MESSAGES: String(MESSAGES),
      };
      const consumer = start('e2e-consumer.mts', env);
      try {
        // Two tsx processes compiling on a loaded two-core machine: give the consumer time to start.
        await until('consumer ready', () => (consumer.output().includes('ready') ? true : undefined), 120_000);
        const producer = start('e2e-producer.mts', env);
        expect(await producer.exited, producer.output()).toBe(0);
        expect(await consumer.exited, consumer.output()).toBe(0);

        // Each consumer handler saw its own run's correlation id from baggage.
        const lines = consumer.output().split('\n').filter((l) => l.startsWith('seen '));
        expect(lines).toHaveLength(MESSAGES);
        for (const line of lines) {
          const [, run, seen] = line.split(' ');
          expect(seen).toBe(run);
        }

        const names = producer.output().split('\n').find((l) => l.startsWith(`spans ${key} `))!.slice(`spans ${key} `.length);
        const [producerSpanName, processSpanName] = names.split('|') as [string, string];
        const traceLine = producer.output().split('\n').find((l) => l.startsWith('traces '))!;
        const traces = traceLine.slice(7).split(',').map((pair) => pair.split('=') as [string, string]);
        expect(traces).toHaveLength(MESSAGES);
        for (const [run, traceId] of traces) {
          const trace = await until(
            `trace of ${run} with both services`,
            async () => {
              const t = await jaegerTrace(traceId);
              return t && t.spans.some((s) => s.operationName === processSpanName) && t.spans.some((s) => s.operationName.startsWith('run ')) ? t : undefined;
            },
            30_000,
          );
          const services = new Set(Object.values(trace.processes).map((p) => p.serviceName));
          expect(services).toEqual(new Set([env.E2E_PRODUCER_SERVICE, env.E2E_CONSUMER_SERVICE]));
          const producerSpan = trace.spans.find((s) => s.operationName === producerSpanName)!;
          const processSpan = trace.spans.find((s) => s.operationName === processSpanName)!;
          expect(producerSpan, `${run}: ${trace.spans.map((s) => s.operationName).join(', ')}`).toBeDefined();
          expect(trace.processes[producerSpan.processID]?.serviceName).toBe(env.E2E_PRODUCER_SERVICE);
          expect(trace.processes[processSpan.processID]?.serviceName).toBe(env.E2E_CONSUMER_SERVICE);
          expect(processSpan.references).toContainEqual({ refType: 'CHILD_OF', spanID: producerSpan.spanID, traceID: trace.traceID });
          // The run's correlation id crossed the hop in baggage and is on the consumer's span.
          expect(processSpan.tags).toContainEqual(expect.objectContaining({ key: ATTR_CORRELATION_ID, value: run }));
        }
      } finally {
        consumer.child.kill();
      }
    }, 240_000);
  });
}
