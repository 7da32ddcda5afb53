import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { instrumentBullMQ, type QueueInstrumentationHandle } from '@agentrace/instrumentation-queue';
import * as bullmq from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisConnection } from './utils/brokers.js';
import { byName, currentRunId, inRun, inWorkerBoot, parentId, uniqueName, waitFor } from './utils/runs.js';

type Span = ReturnType<TestTracing['spans']>[number];

const connection = redisConnection();
const prefix = uniqueName('agentrace-bullmq');
let tracing: TestTracing;
let handle: QueueInstrumentationHandle;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  tracing = setupTracing();
  handle = instrumentBullMQ(bullmq);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  handle.disable();
  await tracing.shutdown();
});
beforeEach(() => tracing.reset());

function queueOf(name: string): bullmq.Queue {
  const queue = new bullmq.Queue(name, { connection, prefix });
  closers.push(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });
  return queue;
}

/** A worker started at boot, in the boot context, before any producer runs. */
function workerOf(name: string, processor: bullmq.Processor, opts: Partial<bullmq.WorkerOptions> = {}): bullmq.Worker {
  const worker = inWorkerBoot(() => new bullmq.Worker(name, processor, { connection, prefix, ...opts }));
  worker.on('error', () => {});
  closers.push(() => worker.close(true));
  return worker;
}

function processSpans(queue: string): Span[] {
  return byName(tracing.spans(), `process ${queue}`);
}

describe('BullMQ', () => {
  it('continues the producer run in the worker: child of the send span, with baggage and messaging attributes', async () => {
    const name = uniqueName('q');
    const seen: Array<string | undefined> = [];
    workerOf(name, async () => {
      seen.push(currentRunId());
      return 'ok';
    });
    const queue = queueOf(name);
    const job = await inRun('run-1', () => queue.add('summarize', { doc: 1 }));
    await waitFor('process span', () => processSpans(name).length === 1);

    const run = byName(tracing.spans(), 'run run-1')[0]!;
    const send = byName(tracing.spans(), `send ${name}`)[0]!;
    const processed = processSpans(name)[0]!;
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(parentId(send)).toBe(run.spanContext().spanId);
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(processed.spanContext().traceId).toBe(run.spanContext().traceId);
    expect(parentId(processed)).toBe(send.spanContext().spanId);
    expect(seen).toEqual(['run-1']);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'bullmq',
      'messaging.destination.name': name,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.message.id': job.id,
      'bullmq.job.name': 'summarize',
    });
    expect(processed.attributes).toMatchObject({
      'messaging.system': 'bullmq',
      'messaging.destination.name': name,
      'messaging.operation.type': 'process',
      'messaging.message.id': job.id,
      'agentrace.messaging.attempt': 1,
      'agentrace.consumer.in_flight': 1,
      'agentrace.consumer.concurrency': 1,
    });
    expect(typeof processed.attributes['agentrace.messaging.wait_ms']).toBe('number');
    // The caller's job options are left as they were; the job carries the context in telemetry.metadata.
    expect(job.opts.telemetry?.metadata).toContain('traceparent');
  });

  it('makes each retry a separate process span in the same trace, with its attempt number and failure reason', async () => {
    const name = uniqueName('q');
    let calls = 0;
    workerOf(name, async () => {
      calls++;
      if (calls < 3) throw new Error(`flaky ${calls}`);
      return 'ok';
    });
    const queue = queueOf(name);
    await inRun('run-retry', () => queue.add('flaky', {}, { attempts: 3 }));
    await waitFor('three attempts', () => processSpans(name).length === 3);

    const send = byName(tracing.spans(), `send ${name}`)[0]!;
    const attempts = processSpans(name).sort((a, b) => Number(a.attributes['agentrace.messaging.attempt']) - Number(b.attributes['agentrace.messaging.attempt']));
    expect(attempts.map((s) => s.attributes['agentrace.messaging.attempt'])).toEqual([1, 2, 3]);
    for (const span of attempts) {
      expect(span.spanContext().traceId).toBe(send.spanContext().traceId);
      expect(parentId(span)).toBe(send.spanContext().spanId);
    }
    expect(attempts.map((s) => s.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(attempts[0]!.attributes['agentrace.messaging.failure_reason']).toBe('flaky 1');
    expect(attempts[1]!.status.message).toBe('flaky 2');
    expect(attempts.map((s) => s.attributes['error.type'])).toEqual(['Error', 'Error', undefined]);
  });

  it('records a failed job as an error with the job failure reason, and the processor error is the one BullMQ sees', async () => {
    const name = uniqueName('q');
    const boom = new TypeError('model refused');
    const failed: unknown[] = [];
    const worker = workerOf(name, async () => {
      throw boom;
    });
    worker.on('failed', (_job, err) => failed.push(err));
    const queue = queueOf(name);
    const job = await inRun('run-fail', () => queue.add('doomed', {}));
    await waitFor('failed span', () => processSpans(name).length === 1 && failed.length === 1);

    const span = processSpans(name)[0]!;
    expect(failed[0]).toBe(boom);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'model refused' });
    expect(span.attributes['error.type']).toBe('TypeError');
    expect(span.attributes['agentrace.messaging.failure_reason']).toBe((await bullmq.Job.fromId(queue, job.id!))!.failedReason);
    expect(span.events.find((e) => e.name === 'exception')?.attributes?.['exception.message']).toBe('model refused');
  });

  it('keeps a delayed job in the producer trace and measures its wait from its due time', async () => {
    const name = uniqueName('q');
    workerOf(name, async () => 'ok');
    const queue = queueOf(name);
    await inRun('run-delay', () => queue.add('later', {}, { delay: 300 }));
    await waitFor('delayed process span', () => processSpans(name).length === 1);
    const send = byName(tracing.spans(), `send ${name}`)[0]!;
    const span = processSpans(name)[0]!;
    expect(parentId(span)).toBe(send.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(send.spanContext().traceId);
    const waited = Number(span.attributes['agentrace.messaging.wait_ms']);
    expect(waited).toBeGreaterThanOrEqual(0);
  });

  it('starts a new trace for each repetition of a job scheduler, linked to the producer, with the baggage', async () => {
    const name = uniqueName('q');
    const seen: Array<string | undefined> = [];
    workerOf(name, async () => {
      seen.push(currentRunId());
    });
    const queue = queueOf(name);
    await inRun('run-repeat', () => queue.upsertJobScheduler('every-100ms', { every: 100, limit: 3 }, { name: 'tick', data: {} }));
    await waitFor('three repetitions', () => processSpans(name).length === 3);

    const schedule = byName(tracing.spans(), `schedule ${name}`)[0]!;
    expect(schedule.kind).toBe(SpanKind.PRODUCER);
    const reps = processSpans(name);
    const traces = new Set(reps.map((s) => s.spanContext().traceId));
    expect(traces.size).toBe(3);
    expect(traces.has(schedule.spanContext().traceId)).toBe(false);
    for (const span of reps) {
      expect(parentId(span)).toBeUndefined();
      expect(span.links.map((l) => l.context.spanId)).toEqual([schedule.spanContext().spanId]);
      expect(span.attributes['agentrace.messaging.repeat']).toBe(true);
    }
    expect(seen).toEqual(['run-repeat', 'run-repeat', 'run-repeat']);
    await queue.removeJobScheduler('every-100ms');
  });

  it('traces addBulk and FlowProducer jobs into the producer trace', async () => {
    const parentQueue = uniqueName('q');
    const childQueue = uniqueName('q');
    workerOf(parentQueue, async () => 'parent');
    workerOf(childQueue, async () => 'child');
    const queue = queueOf(parentQueue);
    queueOf(childQueue);
    const flows = new bullmq.FlowProducer({ connection, prefix });
    closers.push(() => flows.close());
    await inRun('run-bulk', async () => {
      await queue.addBulk([{ name: 'a', data: {} }, { name: 'b', data: {} }]);
      await flows.add({ name: 'root', queueName: parentQueue, children: [{ name: 'leaf', queueName: childQueue, data: {} }] });
    });
    await waitFor('bulk and flow', () => processSpans(parentQueue).length === 3 && processSpans(childQueue).length === 1);
    const run = byName(tracing.spans(), 'run run-bulk')[0]!;
    const sends = byName(tracing.spans(), `send ${parentQueue}`);
    expect(sends.map((s) => s.attributes['messaging.batch.message_count']).sort()).toEqual([2, 2]);
    const sendIds = new Set(sends.map((s) => s.spanContext().spanId));
    for (const span of [...processSpans(parentQueue), ...processSpans(childQueue)]) {
      expect(span.spanContext().traceId).toBe(run.spanContext().traceId);
      expect(sendIds.has(parentId(span)!)).toBe(true);
    }
  });

  it('links instead of parenting when consumerParent is link, keeping the baggage', async () => {
    const linkHandle = instrumentBullMQ(bullmq, { consumerParent: 'link' });
    try {
      const name = uniqueName('q');
      const seen: Array<string | undefined> = [];
      workerOf(name, async () => {
        seen.push(currentRunId());
      });
      const queue = queueOf(name);
      await inRun('run-link', () => queue.add('x', {}));
      await waitFor('linked span', () => processSpans(name).length === 1);
      const send = byName(tracing.spans(), `send ${name}`)[0]!;
      const span = processSpans(name)[0]!;
      expect(span.spanContext().traceId).not.toBe(send.spanContext().traceId);
      expect(span.links[0]?.context.spanId).toBe(send.spanContext().spanId);
      expect(seen).toEqual(['run-link']);
    } finally {
      linkHandle.disable();
      handle = instrumentBullMQ(bullmq);
    }
  });

  it('recovers a stalled job as a new attempt in the same trace, marked as a redelivery', async () => {
    const name = uniqueName('q');
    let releaseFirst!: () => void;
    const firstMayFinish = new Promise<void>((resolve) => (releaseFirst = resolve));
    let started = 0;
    // Worker A takes the job and stops renewing its lock (as a crashed worker would).
    const a = workerOf(
      name,
      async () => {
        started++;
        await firstMayFinish;
      },
      { lockDuration: 300, skipLockRenewal: true, skipStalledCheck: true },
    );
    const queue = queueOf(name);
    await inRun('run-stall', () => queue.add('stuck', {}));
    await waitFor('worker A started', () => started === 1);
    // Worker B's stalled check moves the job back to wait and processes it again.
    const recovered: string[] = [];
    workerOf(name, async () => {
      recovered.push(currentRunId() ?? 'none');
    }, { stalledInterval: 200, maxStalledCount: 2 });
    await waitFor('recovered attempt', () => recovered.length === 1, 20_000);
    releaseFirst();
    await a.close();
    await waitFor('both attempts ended', () => processSpans(name).length === 2);

    const send = byName(tracing.spans(), `send ${name}`)[0]!;
    const spans = processSpans(name);
    const second = spans.find((s) => s.attributes['agentrace.messaging.attempt'] === 2)!;
    expect(second).toBeDefined();
    expect(second.attributes['agentrace.messaging.redelivered']).toBe(true);
    expect(recovered).toEqual(['run-stall']);
    for (const span of spans) {
      expect(span.spanContext().traceId).toBe(send.spanContext().traceId);
      expect(parentId(span)).toBe(send.spanContext().spanId);
    }
  });

  it('leaves queues that use BullMQ’s own telemetry option alone', async () => {
    const name = uniqueName('q');
    const telemetry = {
      tracer: { startSpan: () => ({ setSpanOnContext: (c: unknown) => c, setAttribute() {}, setAttributes() {}, addEvent() {}, recordException() {}, end() {} }) },
      contextManager: { with: (_c: unknown, fn: () => unknown) => fn(), active: () => ({}), getMetadata: () => '', fromMetadata: (c: unknown) => c },
    };
    const queue = new bullmq.Queue(name, { connection, prefix, telemetry: telemetry as never });
    closers.push(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
    });
    await inRun('run-own', () => queue.add('x', {}));
    expect(byName(tracing.spans(), `send ${name}`)).toHaveLength(0);
  });
});
