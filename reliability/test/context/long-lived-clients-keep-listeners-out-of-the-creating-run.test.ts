// Long-lived clients created lazily inside the first run: a Redis subscriber (ioredis), a BullMQ
// QueueEvents and Worker, an amqplib connection and channel. Their events come from their sockets and
// loops, which Node runs in the creating run's context for ever after. With agentrace's queue
// instrumentations their listeners run outside that run, or in the run the event belongs to where the
// event carries it (a BullMQ job being processed, an AMQP message returned to its publisher): 100
// concurrent runs each, and the same drive with the instrumentation disabled, to show the leak it removes.
import { createRequire } from 'node:module';
import { traced } from '@agentrace/decorators';
import { AmqplibInstrumentation, BullMQInstrumentation, IORedisInstrumentation } from '@agentrace/instrumentation-queue';
import { assertNoOrphans, assertSpansInTheirRuns, captureDiagnostics, setupTracing, type TestTracing } from '@agentrace/testing';
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type * as Amqp from 'amqplib';
import type * as BullMQ from 'bullmq';
import type * as IORedis from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const RUNS = 100;
const redisUrl = new URL(process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379');
const connection = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379), maxRetriesPerRequest: null };
const amqpUrl = process.env.AMQP_URL?.trim() || 'amqp://guest:guest@127.0.0.1:5672';

// Made before the libraries load, so their require hooks patch them.
const ioredisInstrumentation = new IORedisInstrumentation();
const bullmqInstrumentation = new BullMQInstrumentation();
const amqplibInstrumentation = new AmqplibInstrumentation();
const require = createRequire(import.meta.url);
const { Redis } = require('ioredis') as typeof IORedis;
const { Queue, QueueEvents, Worker } = require('bullmq') as typeof BullMQ;
const amqp = require('amqplib') as typeof Amqp;

let tracing: TestTracing;
beforeAll(() => {
  tracing = setupTracing({ serviceName: 'long-lived-clients' });
});
afterAll(async () => {
  ioredisInstrumentation.disable();
  bullmqInstrumentation.disable();
  amqplibInstrumentation.disable();
  await tracing.shutdown();
});
beforeEach(() => tracing.reset());

const unique = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const CREATOR = 'submit-0';

/** A span started where a listener runs: `owner` (test.owner) when the event has a true owning run. */
function probe(name: string, attributes: Record<string, string> = {}): void {
  trace.getTracer('probe').startActiveSpan(name, { attributes }, (span) => span.end());
}

/** A decorated step, as a listener would call one: its span opens where the listener runs. */
const step = traced('handle event', (name: string) => probe(name));

/** Resolves once `count()` reaches `n`, polling (no fixed sleeps). */
async function until(what: string, count: () => number, n: number, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (count() < n) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}: ${count()} of ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * 100 runs `submit-<i>`, concurrently; each calls `work(i)`, which creates the long-lived client the
 * first time (inside run 0) and then uses it. Each run also starts a probe it owns.
 */
async function submitRuns(work: (i: number) => Promise<void>): Promise<void> {
  const submit = traced(
    'submit',
    async (i: number) => {
      probe('run probe', { 'test.owner': `submit-${i}` });
      await work(i);
    },
    { type: 'run', correlationId: (i: number) => `submit-${i}` },
  );
  await Promise.all(Array.from({ length: RUNS }, (_, i) => submit(i)));
}

function creatorTrace(spans: ReadableSpan[]): string {
  const run = spans.find((s) => s.name === 'invoke_agent submit' && s.attributes['agentrace.correlation_id'] === CREATOR);
  expect(run, 'the creating run').toBeDefined();
  return run!.spanContext().traceId;
}

/**
 * Events with no owning run: none of the `name` spans is in the creating run's trace (or any run's),
 * none carries a correlation id, each is a root (or, under a step, its step is), none is orphaned, and
 * every run's own probe is still in its run.
 */
function expectOutsideEveryRun(spans: ReadableSpan[], name: string, expected: number, under?: string): void {
  const creator = creatorTrace(spans);
  const runTraces = new Set(spans.filter((s) => s.name === 'invoke_agent submit').map((s) => s.spanContext().traceId));
  const found = spans.filter((s) => s.name === name);
  expect(found.length, `${name} spans`).toBeGreaterThanOrEqual(expected);
  expect(found.filter((s) => s.spanContext().traceId === creator), `${name} spans in the creating run's trace`).toEqual([]);
  expect(found.filter((s) => runTraces.has(s.spanContext().traceId)), `${name} spans in a run's trace`).toEqual([]);
  expect(found.filter((s) => s.attributes['agentrace.correlation_id'] !== undefined)).toEqual([]);
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  for (const span of found) {
    const parent = span.parentSpanContext && byId.get(span.parentSpanContext.spanId);
    if (under === undefined) expect(span.parentSpanContext, `${name} is a root`).toBeUndefined();
    else {
      expect(parent?.name, `${name} sits under ${under}`).toBe(under);
      expect(parent?.parentSpanContext, `${under} is a root`).toBeUndefined();
    }
  }
  assertSpansInTheirRuns(spans, { minProbes: RUNS });
  assertNoOrphans(spans);
}

/** How many `name` spans sit in the creating run's trace. */
function inCreatorTrace(spans: ReadableSpan[], name: string): number {
  const creator = creatorTrace(spans);
  return spans.filter((s) => s.name === name && s.spanContext().traceId === creator).length;
}

/** Runs `fn` with `instrumentation` disabled, then enables it again. */
async function withoutInstrumentation<T>(instrumentation: { enable(): void; disable(): void }, fn: () => Promise<T>): Promise<T> {
  instrumentation.disable();
  try {
    return await fn();
  } finally {
    instrumentation.enable();
  }
}

/** Runs `check` with the SDK's diagnostic messages captured; the logger is restored after. */
async function withDiagnostics(check: (diagnostics: ReturnType<typeof captureDiagnostics>) => Promise<void>): Promise<void> {
  const diagnostics = captureDiagnostics();
  try {
    await check(diagnostics);
  } finally {
    diagnostics.restore();
  }
}

/** Drives RUNS runs whose events each reach `listener` with the run that caused them. */
type Drive = (listener: (owner: string) => void) => Promise<ReadableSpan[]>;

/** A listener that starts a `name` probe span naming the message's run. */
const probeListener =
  (name: string) =>
  (owner: string): void =>
    probe(name, { 'test.message': owner });

/** Every `name` probe the listener starts is a root, outside every run, and nothing is reported. */
async function expectProbesOutsideEveryRun(drive: Drive, name: string): Promise<void> {
  await withDiagnostics(async (diagnostics) => {
    expectOutsideEveryRun(await drive(probeListener(name)), name, RUNS);
    expect(diagnostics.messages).toEqual([]);
  });
}

/** Every `name` probe started in a decorated step the listener calls is under that step, which is a root outside every run. */
async function expectStepsOutsideEveryRun(drive: Drive, name: string): Promise<ReadableSpan[]> {
  const spans = await drive(() => step(name));
  expectOutsideEveryRun(spans, name, RUNS, 'handle event');
  return spans;
}

/** With `instrumentation` disabled, every `name` probe the listener starts lands in the creating run's trace. */
async function expectProbesInCreatorTraceWithout(instrumentation: { enable(): void; disable(): void }, drive: Drive, name: string): Promise<void> {
  const spans = await withoutInstrumentation(instrumentation, () => drive(probeListener(name)));
  expect(inCreatorTrace(spans, name)).toBe(RUNS);
}

// ---------------------------------------------------------------------------------------------------

describe('an ioredis subscriber created lazily inside the first run', () => {
  /** Each run publishes a message naming itself; the subscriber's `message` listener runs `listener`. */
  async function drive(listener: (owner: string) => void): Promise<ReadableSpan[]> {
    const channel = unique('agentrace-pubsub');
    const publisher = new Redis(connection);
    let subscriber: Promise<IORedis.Redis> | undefined;
    let handled = 0;
    try {
      await submitRuns(async (i) => {
        subscriber ??= (async () => {
          const sub = new Redis(connection);
          sub.on('message', (ch: string, owner: string) => {
            if (ch !== channel) return;
            listener(owner);
            handled++;
          });
          await sub.subscribe(channel);
          return sub;
        })();
        await subscriber;
        await publisher.publish(channel, `submit-${i}`);
      });
      await until('every message', () => handled, RUNS);
    } finally {
      (await subscriber)?.disconnect();
      await publisher.quit();
    }
    return tracing.spans();
  }

  it('runs its message listener outside every run: a span it starts is a root', () => expectProbesOutsideEveryRun(drive, 'message probe'));

  it('a decorated step the listener calls is a root, not a step of the creating run', async () => {
    const spans = await expectStepsOutsideEveryRun(drive, 'message probe');
    expect(spans.filter((s) => s.name === 'handle event')).toHaveLength(RUNS);
  });

  it('a run the listener starts for each message is a trace of its own, with no link to the creating run and no warning', () =>
    withDiagnostics(async (diagnostics) => {
      const onMessage = traced('on message', (owner: string) => probe('message probe', { 'test.owner': `message-of-${owner}` }), {
        type: 'run',
        correlationId: (owner: string) => `message-of-${owner}`,
      });
      const spans = await drive((owner) => void onMessage(owner));
      const runs = spans.filter((s) => s.name === 'invoke_agent on message');
      expect(runs).toHaveLength(RUNS);
      for (const run of runs) {
        expect(run.parentSpanContext).toBeUndefined();
        expect(run.links).toEqual([]);
      }
      assertSpansInTheirRuns(spans, { minProbes: RUNS * 2 });
      assertNoOrphans(spans);
      expect(diagnostics.messages.filter((m) => m.text.includes('which has ended'))).toEqual([]);
    }));

  it('without the instrumentation, the listener runs in the creating run (what the instrumentation prevents)', () =>
    expectProbesInCreatorTraceWithout(ioredisInstrumentation, drive, 'message probe'));
});

// ---------------------------------------------------------------------------------------------------

describe('a BullMQ QueueEvents created lazily inside the first run', () => {
  /** Each run adds a job; a Worker started outside any run completes it; QueueEvents' `completed` listener runs `listener`. */
  async function drive(listener: (owner: string) => void): Promise<ReadableSpan[]> {
    const name = unique('agentrace-events');
    const queue = new Queue(name, { connection });
    const worker = new Worker(name, async (job: BullMQ.Job<{ owner: string }>) => job.data.owner, { connection, concurrency: 16 });
    worker.on('error', () => {});
    let events: Promise<BullMQ.QueueEvents> | undefined;
    let completed = 0;
    try {
      await worker.waitUntilReady();
      await submitRuns(async (i) => {
        events ??= (async () => {
          // From the stream's start: the queue is new, and no event is missed while the reader starts.
          const qe = new QueueEvents(name, { connection, lastEventId: '0-0' });
          qe.on('completed', ({ returnvalue }) => {
            listener(String(returnvalue));
            completed++;
          });
          qe.on('error', () => {});
          await qe.waitUntilReady();
          return qe;
        })();
        await events;
        await queue.add('job', { owner: `submit-${i}` });
      });
      await until('every completed event', () => completed, RUNS);
    } finally {
      await (await events)?.close();
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
    return tracing.spans();
  }

  it('runs its completed listener outside every run: a span it starts is a root', () => expectProbesOutsideEveryRun(drive, 'completed probe'));

  it('a decorated step the listener calls is a root, not a step of the creating run', async () => {
    await expectStepsOutsideEveryRun(drive, 'completed probe');
  });

  it('without the instrumentation, the listener runs in the creating run (what the instrumentation prevents)', () =>
    expectProbesInCreatorTraceWithout(bullmqInstrumentation, drive, 'completed probe'));
});

describe('a BullMQ Worker created lazily inside the first run', () => {
  it("runs completed listeners in the job's own run, and the events of no job (active before its attempt, drained) outside every run", async () => {
    const name = unique('agentrace-worker');
    const queue = new Queue(name, { connection });
    let worker: Promise<BullMQ.Worker> | undefined;
    let completed = 0;
    try {
      await submitRuns(async (i) => {
        worker ??= (async () => {
          const w = new Worker(
            name,
            async (job: BullMQ.Job<{ owner: string }>) => {
              await new Promise((resolve) => setImmediate(resolve));
              return job.data.owner;
            },
            { connection, concurrency: 4 },
          );
          // A span started here belongs to the job's run: BullMQ fires it inside the job's attempt.
          w.on('completed', (job: BullMQ.Job<{ owner: string }>) => {
            probe('completed probe', { 'test.owner': job.data.owner });
            completed++;
          });
          // Fired by the fetch loop, or at the end of the previous job's attempt: no run of its own.
          w.on('active', () => probe('active probe'));
          w.on('drained', () => probe('drained probe'));
          w.on('error', () => {});
          await w.waitUntilReady();
          return w;
        })();
        await worker;
        await queue.add('job', { owner: `submit-${i}` });
      });
      await until('every completed event', () => completed, RUNS);
      await until('the queue drained', () => tracing.spans().filter((s) => s.name === 'drained probe').length, 1);
    } finally {
      await (await worker)?.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
    const spans = tracing.spans();
    // Each completed probe is under its job's process span, in its own run's trace.
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const completedProbes = spans.filter((s) => s.name === 'completed probe');
    expect(completedProbes).toHaveLength(RUNS);
    for (const span of completedProbes) expect(byId.get(span.parentSpanContext?.spanId ?? '')?.name).toBe(`process ${name}`);
    assertSpansInTheirRuns(spans, { minProbes: RUNS * 2 });
    expectOutsideEveryRun(spans, 'active probe', RUNS);
    expectOutsideEveryRun(spans, 'drained probe', 1);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('an amqplib connection and channel opened lazily inside the first run', () => {
  interface Opened {
    connection: Amqp.ChannelModel;
    channel: Amqp.Channel;
  }

  /**
   * Each run publishes a message the broker cannot route (`mandatory`), so the broker returns it to the
   * channel the first run opened; `onReturn` runs in the channel's `return` listener.
   */
  async function drive(onReturn: (owner: string) => void, after?: (opened: Opened) => Promise<void>): Promise<ReadableSpan[]> {
    const unroutable = unique('agentrace-unroutable');
    let opened: Promise<Opened> | undefined;
    let returned = 0;
    try {
      await submitRuns(async (i) => {
        opened ??= (async () => {
          const conn = await amqp.connect(amqpUrl);
          const channel = await conn.createChannel();
          channel.on('return', (message: Amqp.Message) => {
            onReturn(message.content.toString());
            returned++;
          });
          channel.on('error', () => probe('channel error probe'));
          channel.on('close', () => probe('channel close probe'));
          conn.on('error', () => {});
          conn.on('close', () => probe('connection close probe'));
          return { connection: conn, channel };
        })();
        const { channel } = await opened;
        channel.publish('', unroutable, Buffer.from(`submit-${i}`), { mandatory: true });
      });
      await until('every returned message', () => returned, RUNS);
      if (after) await after(await opened!);
    } finally {
      await (await opened)?.connection.close().catch(() => {});
    }
    return tracing.spans();
  }

  it("runs the return listener in the run that published the returned message (its headers' context)", async () => {
    const spans = await drive((owner) => probe('return probe', { 'test.owner': owner }));
    assertSpansInTheirRuns(spans, { minProbes: RUNS * 2 });
    assertNoOrphans(spans);
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    for (const span of spans.filter((s) => s.name === 'return probe')) expect(byId.get(span.parentSpanContext?.spanId ?? '')?.name).toMatch(/^publish /);
  });

  it("runs the channel's error and close listeners and the connection's close listener outside every run", () =>
    withDiagnostics(async (diagnostics) => {
      await drive(
        () => {},
        async ({ channel }) => {
          // A later run makes the broker close the shared channel (the queue does not exist).
          await traced('break channel', () => channel.checkQueue(unique('agentrace-missing')).catch(() => {}), { type: 'run', correlationId: 'breaker' })();
          await until('the channel closed', () => tracing.spans().filter((s) => s.name === 'channel close probe').length, 1);
        },
      );
      await until('the connection closed', () => tracing.spans().filter((s) => s.name === 'connection close probe').length, 1);
      const spans = tracing.spans();
      for (const name of ['channel error probe', 'channel close probe', 'connection close probe']) expectOutsideEveryRun(spans, name, 1);
      expect(diagnostics.messages.filter((m) => m.level === 'error')).toEqual([]);
    }));

  it('without the instrumentation, the return listener runs in the creating run (what the instrumentation prevents)', async () => {
    const spans = await withoutInstrumentation(amqplibInstrumentation, () => drive(() => probe('return probe')));
    expect(inCreatorTrace(spans, 'return probe')).toBe(RUNS);
  });
});
