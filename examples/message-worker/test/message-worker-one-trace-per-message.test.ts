import { Writable } from 'node:stream';
import { assertExceptionEvent, assertNoCrossRunSpans, findSpan, findSpans, groupSpansByTrace, setupTracing } from '@agentrace/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderDocument, startDocumentApi, type DocumentApi } from '../src/documents.js';
import { createLogger, MessageWorker, processMessages, type Message } from '../src/worker.js';

const tracing = setupTracing({ serviceName: `example-message-worker-test-${process.pid}` });
const CORRELATION = 'agentrace.correlation_id';
const POISON = 'msg-7';
const messages: Message[] = Array.from({ length: 24 }, (_, i) => ({ id: `msg-${i + 1}`, documentId: `order-${i + 1}` }));

let api: DocumentApi;
beforeAll(async () => {
  api = await startDocumentApi(new Map(messages.map((m) => [m.documentId, orderDocument(m.documentId, m.id === POISON)])));
});
afterAll(async () => {
  await api.close();
  await tracing.shutdown();
});

interface LogLine {
  msg: string;
  trace_id?: string;
  correlation_id?: string;
  messageId?: string;
  err?: { type: string };
}

describe('message worker example', () => {
  it('gives each message its own trace, puts the poison exception on the process step, and correlates every log line', async () => {
    tracing.reset();
    const lines: LogLine[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    const worker = new MessageWorker(api.url, createLogger(sink));
    const outcomes = await processMessages(worker, messages, 6);

    // The program's own behaviour: every message but the poison one done, the poison error a SyntaxError.
    expect(outcomes.filter((o) => !o.ok).map((o) => o.id)).toEqual([POISON]);
    expect(outcomes.find((o) => o.id === POISON)!.error).toBeInstanceOf(SyntaxError);

    // One trace per message: a `process messages` root, then the run, with exactly that message's id.
    const byTrace = groupSpansByTrace(tracing);
    expect(byTrace.size).toBe(messages.length);
    assertNoCrossRunSpans(tracing, { oneTracePerRun: true });
    for (const outcome of outcomes) {
      const spans = byTrace.get(outcome.traceId!)!;
      expect(spans.map((s) => s.name).sort()).toEqual(['fetch', 'invoke_agent message-worker', 'process', 'process messages']);
      const run = spans.find((s) => s.name === 'invoke_agent message-worker')!;
      expect(run.attributes[CORRELATION]).toBe(outcome.id);
      const root = spans.find((s) => s.name === 'process messages')!;
      expect(root.parentSpanContext).toBeUndefined();
      expect(run.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    }

    // The poison message: the exception is recorded on its `process` step; `fetch` went fine.
    const failed = findSpan(tracing, { name: 'process', attributes: { [CORRELATION]: POISON } });
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    assertExceptionEvent(failed, SyntaxError);
    expect(findSpan(tracing, { name: 'fetch', attributes: { [CORRELATION]: POISON } }).status.code).not.toBe(SpanStatusCode.ERROR);
    // Errors only in the poison message's trace: the step, the run and the queue's span it reached.
    const poisonTrace = outcomes.find((o) => o.id === POISON)!.traceId;
    const errors = findSpans(tracing, { status: 'ERROR' });
    expect(errors.map((s) => s.name).sort()).toEqual(['invoke_agent message-worker', 'process', 'process messages']);
    expect(errors.every((s) => s.spanContext().traceId === poisonTrace)).toBe(true);
    expect(findSpans(tracing, { name: 'process', status: 'ERROR' })).toHaveLength(1);

    // Every log line carries its own message's trace id and correlation id.
    const traceOf = new Map(outcomes.map((o) => [o.id, o.traceId]));
    expect(lines.length).toBeGreaterThanOrEqual(messages.length * 3);
    for (const line of lines) {
      expect(line.correlation_id, JSON.stringify(line)).toMatch(/^msg-\d+$/);
      expect(line.trace_id, JSON.stringify(line)).toBe(traceOf.get(line.correlation_id!));
      if (line.messageId) expect(line.messageId).toBe(line.correlation_id);
    }
    const failure = lines.find((l) => l.msg === 'message failed')!;
    expect(failure).toMatchObject({ correlation_id: POISON, err: { type: 'SyntaxError' } });
    for (const m of messages) expect(lines.filter((l) => l.correlation_id === m.id).length).toBeGreaterThanOrEqual(3);
  });
});
