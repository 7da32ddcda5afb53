import { setupTracing, type TestTracing } from '@agentrace/testing';
import { instrumentAmqplib } from '@agentrace/instrumentation-queue';
import amqp from 'amqplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectEachMessageInItsOwnRun } from './utils/assert-runs.js';
import { amqpUrl } from './utils/brokers.js';
import { currentRunId, inRun, inWorkerBoot, uniqueName, waitFor } from './utils/runs.js';

const RUNS = 1000;
let tracing: TestTracing;

beforeAll(() => {
  tracing = setupTracing();
});
afterAll(async () => {
  await tracing.shutdown();
});

it('keeps 1,000 messages from 1,000 concurrent runs each in its own trace, with prefetch 16', async () => {
  const producer = await amqp.connect(amqpUrl());
  const consumer = await amqp.connect(amqpUrl());
  const handles = [instrumentAmqplib(producer), instrumentAmqplib(consumer)];
  const queue = uniqueName('agentrace-amqp');
  const seen = new Map<string, string | undefined>();
  try {
    const pub = await producer.createConfirmChannel();
    const sub = await inWorkerBoot(() => consumer.createChannel());
    await sub.assertQueue(queue, { autoDelete: true });
    await sub.prefetch(16);
    await inWorkerBoot(() =>
      sub.consume(queue, async (msg) => {
        await new Promise((resolve) => setImmediate(resolve));
        seen.set(msg!.content.toString(), currentRunId());
        sub.ack(msg!);
      }),
    );
    await Promise.all(
      Array.from({ length: RUNS }, (_, i) =>
        inRun(`r${i}`, () => new Promise<void>((resolve, reject) => pub.sendToQueue(queue, Buffer.from(`r${i}`), {}, (err) => (err ? reject(err) : resolve())))),
      ),
    );
    await waitFor('every message processed', () => seen.size === RUNS, 50_000);
    await waitFor('every process span ended', () => tracing.spans().filter((s) => s.name === `process ${queue}`).length === RUNS);
    expectEachMessageInItsOwnRun(tracing, RUNS, `publish ${queue}`, `process ${queue}`, seen);
    const inFlight = tracing.spans().filter((s) => s.name === `process ${queue}`).map((s) => Number(s.attributes['agentrace.consumer.in_flight']));
    expect(Math.max(...inFlight)).toBeGreaterThan(1);
    expect(tracing.spans().find((s) => s.name === `process ${queue}`)?.attributes['agentrace.consumer.concurrency']).toBe(16);
  } finally {
    await producer.close();
    await consumer.close();
    handles.forEach((h) => h.disable());
  }
});
