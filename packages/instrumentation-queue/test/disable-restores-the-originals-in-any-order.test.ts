// disable() must hand back the library untouched, whatever the order: two handles disabled first-made
// first, a connection that opened a confirm channel and then plain channels (the Channel class is then
// patched more than once). Before, the last restore could put an earlier wrapper back, so messages kept
// being traced after every handle was disabled.
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { instrumentAmqplib, instrumentBullMQ } from '@agentrace/instrumentation-queue';
import amqp from 'amqplib';
import * as bullmq from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { amqpUrl } from './utils/brokers.js';
import { inRun, uniqueName, waitFor } from './utils/runs.js';

const METHODS = ['publish', 'consume', 'ack', 'nack', 'reject', 'ackAll', 'nackAll', 'emit', 'prefetch', 'get', 'assertQueue'] as const;
let tracing: TestTracing;

beforeAll(() => {
  tracing = setupTracing();
});
afterAll(async () => {
  await tracing.shutdown();
});

it('puts back every amqplib channel method after two handles are disabled in the order they were made', async () => {
  const a = await amqp.connect(amqpUrl());
  const b = await amqp.connect(amqpUrl());
  try {
    const probe = await a.createConfirmChannel();
    const confirmProto = Object.getPrototypeOf(probe) as Record<string, unknown>;
    const channelProto = Object.getPrototypeOf(confirmProto) as Record<string, unknown>;
    const before = Object.fromEntries(METHODS.map((m) => [m, channelProto[m]]));
    const confirmPublish = confirmProto.publish;
    await probe.close();

    const first = instrumentAmqplib(a);
    const second = instrumentAmqplib(b);
    // A confirm channel, then plain ones: Channel.prototype is patched again for each class seen.
    const channels = [await a.createConfirmChannel(), await a.createChannel(), await b.createChannel(), await b.createConfirmChannel(), await a.createChannel()];
    expect(channelProto.publish).not.toBe(before.publish);
    first.disable();
    second.disable();
    for (const m of METHODS) expect(channelProto[m], m).toBe(before[m]);
    expect(confirmProto.publish).toBe(confirmPublish);

    // And nothing is traced any more.
    tracing.reset();
    const queue = uniqueName('agentrace-disabled');
    const ch = await a.createChannel();
    await ch.assertQueue(queue, { autoDelete: true });
    let got = 0;
    await ch.consume(queue, (msg) => {
      if (msg) {
        got++;
        ch.ack(msg);
      }
    });
    await inRun('run-after-disable', async () => ch.sendToQueue(queue, Buffer.from('x')));
    await waitFor('delivery', () => got === 1);
    expect(tracing.spans().map((s) => s.name)).toEqual(['run run-after-disable']);
    for (const c of [...channels, ch]) await c.close().catch(() => {});
  } finally {
    await a.close();
    await b.close();
  }
});

it('puts back Queue.add and Worker.processJob after two BullMQ handles are disabled in the order they were made', () => {
  const add = bullmq.Queue.prototype.add;
  const processJob = (bullmq.Worker.prototype as unknown as Record<string, unknown>).processJob;
  const handleFailed = (bullmq.Worker.prototype as unknown as Record<string, unknown>).handleFailed;
  const first = instrumentBullMQ(bullmq);
  const second = instrumentBullMQ(bullmq);
  expect(bullmq.Queue.prototype.add).not.toBe(add);
  first.disable();
  expect(bullmq.Queue.prototype.add).not.toBe(add); // the second handle is still on
  second.disable();
  expect(bullmq.Queue.prototype.add).toBe(add);
  expect((bullmq.Worker.prototype as unknown as Record<string, unknown>).processJob).toBe(processJob);
  expect((bullmq.Worker.prototype as unknown as Record<string, unknown>).handleFailed).toBe(handleFailed);
});
