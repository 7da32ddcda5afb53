import { diag, type DiagLogger, DiagLogLevel } from '@opentelemetry/api';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { instrumentQueues, sampleBacklog } from '@agentrace/instrumentation-queue';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { amqpUrl, redisConnection } from './utils/brokers.js';
import { byName, inRun, inWorkerBoot, uniqueName, waitFor } from './utils/runs.js';

// instrumentQueues runs before BullMQ and amqplib are loaded in this process, as `init` does: the
// require hook instruments them (this file imports them only after the call).
let tracing: TestTracing;
const errors: string[] = [];
const warnings: string[] = [];
// The component logger passes the package name first and the message second: keep every argument.
const logger: DiagLogger = {
  error: (...args: unknown[]) => errors.push(args.join(' ')),
  warn: (...args: unknown[]) => warnings.push(args.join(' ')),
  info: () => {},
  debug: () => {},
  verbose: () => {},
};

beforeAll(() => {
  tracing = setupTracing();
  diag.setLogger(logger, DiagLogLevel.WARN);
});
afterAll(async () => {
  diag.disable();
  await tracing.shutdown();
});

it('reports bad options once through diag and still instruments with the defaults', () => {
  const handle = instrumentQueues({ consumerParent: 'sideways' as never, bullmq: 'yes' as never, amqplib: { producerHook: 'not a function' as never } });
  expect(errors.some((e) => e.includes("consumerParent is sideways; accepted: 'child' or 'link'"))).toBe(true);
  expect(errors.some((e) => e.includes('bullmq is yes; accepted: true, false or an options object. Using the default (on).'))).toBe(true);
  expect(errors.some((e) => e.includes('amqplib.producerHook is string; accepted: a function'))).toBe(true);
  expect(errors.every((e) => e.startsWith('@agentrace/instrumentation-queue'))).toBe(true);
  handle.disable();
});

it('returns the handle in effect, and warns once, when called again before that handle is disabled', () => {
  const first = instrumentQueues({ bullmq: false, amqplib: false });
  expect(instrumentQueues({ consumerParent: 'link' })).toBe(first);
  expect(instrumentQueues()).toBe(first);
  expect(warnings.filter((w) => w.includes('instrumentQueues() was called again while an earlier call is in effect'))).toHaveLength(1);
  first.disable();
  const next = instrumentQueues({ bullmq: false, amqplib: false });
  expect(next).not.toBe(first);
  next.disable();
});

it('samples queue backlog periodically as span events and records it on producer and consumer spans', async () => {
  let hookCalls = 0;
  const handle = instrumentQueues({
    backlog: { intervalMs: 50, metrics: false },
    bullmq: {
      producerHook: () => {
        hookCalls++;
        throw new Error('hook bug');
      },
    },
  });
  const bullmq = await import('bullmq');
  const amqp = (await import('amqplib')).default;
  const connection = redisConnection();
  const prefix = uniqueName('agentrace-backlog');
  const name = uniqueName('q');
  const queue = new bullmq.Queue(name, { connection, prefix });
  const amqpConnection = await amqp.connect(amqpUrl());
  const amqpQueue = uniqueName('agentrace-backlog');
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let worker: { close(): Promise<void> } | undefined;
  try {
    // A throwing hook is reported once and changes nothing for the program.
    const jobs = await inRun('backlog', () => Promise.all(Array.from({ length: 5 }, (_, i) => queue.add('wait', { i }))));
    expect(jobs).toHaveLength(5);
    expect(hookCalls).toBe(5);
    expect(errors.filter((e: string) => e.includes('producerHook threw'))).toHaveLength(1);

    const channel = await amqpConnection.createChannel();
    await channel.assertQueue(amqpQueue, { autoDelete: true });
    channel.sendToQueue(amqpQueue, Buffer.from('a'));
    await channel.checkQueue(amqpQueue);

    const sampleOf = (destination: string, key: string, value: number): boolean =>
      byName(tracing.spans(), 'sample queues').some((s) =>
        s.events.some((e) => e.name === 'queue.backlog' && e.attributes?.['messaging.destination.name'] === destination && e.attributes?.[key] === value),
      );
    await waitFor('a sample with 5 waiting jobs', () => sampleOf(name, 'agentrace.queue.waiting', 5));

    // Workers started now: two jobs in flight at once, the rest waiting.
    worker = inWorkerBoot(() => new bullmq.Worker(name, async () => released, { connection, prefix, concurrency: 2 }));
    await waitFor('a sample with 2 active jobs', () => sampleOf(name, 'agentrace.queue.active', 2));
    await waitFor('a sample with 2 in flight', () => sampleOf(name, 'agentrace.consumer.in_flight', 2));
    await inRun('backlog-2', () => queue.add('late', {}));
    const late = byName(tracing.spans(), `send ${name}`).at(-1)!;
    expect(late.attributes['agentrace.queue.waiting']).toBe(3);
    expect(late.attributes['agentrace.queue.active']).toBe(2);
    release();
    await waitFor('all processed', () => byName(tracing.spans(), `process ${name}`).length === 6);
    const processed = byName(tracing.spans(), `process ${name}`);
    expect(processed.every((s) => s.attributes['agentrace.consumer.concurrency'] === 2)).toBe(true);
    expect(Math.max(...processed.map((s) => Number(s.attributes['agentrace.consumer.in_flight'])))).toBe(2);

    // RabbitMQ counts come from broker replies the app already asked for (checkQueue here).
    const sources = await sampleBacklog();
    const rabbit = sources.find((s) => s.system === 'rabbitmq' && s.destination === amqpQueue);
    expect(rabbit?.latest?.waiting).toBe(1);
    await channel.close();
  } finally {
    await worker?.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await amqpConnection.close();
    handle.disable();
  }
});
