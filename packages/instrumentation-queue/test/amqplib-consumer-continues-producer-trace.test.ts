import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { instrumentAmqplib, type QueueInstrumentationHandle } from '@agentrace/instrumentation-queue';
import amqp from 'amqplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { amqpUrl } from './utils/brokers.js';
import { byName, currentRunId, inRun, inWorkerBoot, parentId, uniqueName, waitFor } from './utils/runs.js';

type Span = ReturnType<TestTracing['spans']>[number];

let tracing: TestTracing;
let producer: amqp.ChannelModel;
let consumer: amqp.ChannelModel;
let handles: QueueInstrumentationHandle[] = [];

beforeAll(async () => {
  tracing = setupTracing();
  producer = await amqp.connect(amqpUrl());
  consumer = await amqp.connect(amqpUrl());
  handles = [instrumentAmqplib(producer), instrumentAmqplib(consumer)];
});
afterAll(async () => {
  await producer.close();
  await consumer.close();
  handles.forEach((h) => h.disable());
  await tracing.shutdown();
});
beforeEach(() => tracing.reset());

async function declare(): Promise<{ queue: string; pub: amqp.Channel; sub: amqp.Channel }> {
  const queue = uniqueName('agentrace-amqp');
  const pub = await producer.createChannel();
  const sub = await inWorkerBoot(() => consumer.createChannel());
  await sub.assertQueue(queue, { autoDelete: true });
  return { queue, pub, sub };
}

function spansNamed(name: string): Span[] {
  return byName(tracing.spans(), name);
}

describe('amqplib', () => {
  it('continues the producer run in a consumer started beforehand; the span ends at ack, after the async handler settled', async () => {
    const { queue, pub, sub } = await declare();
    const seen: Array<string | undefined> = [];
    let handlerSettled!: () => void;
    const settled = new Promise<void>((resolve) => (handlerSettled = resolve));
    const delivered: amqp.ConsumeMessage[] = [];
    await inWorkerBoot(() =>
      sub.consume(queue, async (msg) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push(currentRunId());
        delivered.push(msg!);
        setImmediate(handlerSettled);
      }),
    );
    const options = { messageId: 'm-1', headers: { 'x-app': 'kept' } };
    await inRun('run-1', async () => {
      expect(pub.sendToQueue(queue, Buffer.from('hello'), options)).toBe(true);
    });
    await settled;
    // Handler settled, message not acked yet: the process span is still open.
    expect(spansNamed(`process ${queue}`)).toHaveLength(0);
    sub.ack(delivered[0]!);
    await waitFor('process span', () => spansNamed(`process ${queue}`).length === 1);

    const run = spansNamed('run run-1')[0]!;
    const publish = spansNamed(`publish ${queue}`)[0]!;
    const processed = spansNamed(`process ${queue}`)[0]!;
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(parentId(publish)).toBe(run.spanContext().spanId);
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(parentId(processed)).toBe(publish.spanContext().spanId);
    expect(processed.spanContext().traceId).toBe(run.spanContext().traceId);
    expect(seen).toEqual(['run-1']);
    expect(publish.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': queue,
      'messaging.operation.type': 'send',
      'messaging.rabbitmq.destination.routing_key': queue,
      'messaging.message.id': 'm-1',
    });
    expect(processed.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': queue,
      'messaging.operation.type': 'process',
      'messaging.message.id': 'm-1',
      'agentrace.messaging.attempt': 1,
      'agentrace.messaging.settlement': 'ack',
    });
    // The caller's options object is not modified; the message still carries the app's header.
    expect(processed.attributes['agentrace.messaging.redelivered']).toBeUndefined();
    expect(options.headers).toEqual({ 'x-app': 'kept' });
    expect(delivered[0]!.properties.headers?.['x-app']).toBe('kept');
  });

  it('records a failing handler and marks the redelivery after a nack, both in the producer trace', async () => {
    const { queue, pub, sub } = await declare();
    const boom = new Error('tool timed out');
    let deliveries = 0;
    const errors: unknown[] = [];
    await inWorkerBoot(() =>
      sub.consume(queue, (msg) => {
        deliveries++;
        if (msg!.fields.redelivered) {
          sub.ack(msg!);
          return Promise.resolve();
        }
        const work = Promise.reject(boom);
        work.catch((err: unknown) => {
          errors.push(err);
          sub.nack(msg!, false, true);
        });
        return work.catch(() => {});
      }),
    );
    await inRun('run-redeliver', async () => {
      pub.sendToQueue(queue, Buffer.from('x'));
    });
    await waitFor('two attempts', () => spansNamed(`process ${queue}`).length === 2);
    const publish = spansNamed(`publish ${queue}`)[0]!;
    const [first, second] = spansNamed(`process ${queue}`).sort((a, b) => Number(a.attributes['agentrace.messaging.redelivered']) - Number(b.attributes['agentrace.messaging.redelivered']));
    expect(errors).toEqual([boom]);
    expect(first!.status.code).toBe(SpanStatusCode.ERROR);
    expect(first!.attributes['agentrace.messaging.settlement']).toBe('nack');
    expect(second!.attributes['agentrace.messaging.redelivered']).toBe(true);
    expect(second!.attributes['agentrace.messaging.settlement']).toBe('ack');
    for (const span of [first!, second!]) {
      expect(parentId(span)).toBe(publish.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(publish.spanContext().traceId);
    }
  });

  it('records a rejected async handler as the failure reason and leaves the rejection to the program', async () => {
    const { queue, pub, sub } = await declare();
    const boom = new RangeError('bad input');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      await inWorkerBoot(() =>
        sub.consume(
          queue,
          async () => {
            throw boom;
          },
          { noAck: true },
        ),
      );
      await inRun('run-reject', async () => {
        pub.sendToQueue(queue, Buffer.from('x'));
      });
      await waitFor('failed span', () => spansNamed(`process ${queue}`).length === 1 && unhandled.length === 1);
      const span = spansNamed(`process ${queue}`)[0]!;
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad input' });
      expect(span.attributes['agentrace.messaging.settlement']).toBe('auto');
      expect(span.attributes['error.type']).toBe('RangeError');
      // Without instrumentation this rejection is unhandled too, with the same error.
      expect(unhandled).toEqual([boom]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('ends a confirm-channel publish span when the broker confirms, and calls the user callback as before', async () => {
    const queue = uniqueName('agentrace-amqp');
    const pub = await producer.createConfirmChannel();
    const sub = await inWorkerBoot(() => consumer.createChannel());
    await sub.assertQueue(queue, { autoDelete: true });
    const received: string[] = [];
    await inWorkerBoot(() =>
      sub.consume(queue, (msg) => {
        received.push(currentRunId() ?? 'none');
        sub.ack(msg!);
      }),
    );
    const confirmations: unknown[] = [];
    await inRun('run-confirm', async () => {
      await new Promise<void>((resolve, reject) =>
        pub.sendToQueue(queue, Buffer.from('c'), {}, (err) => {
          confirmations.push(err);
          if (err) reject(err);
          else resolve();
        }),
      );
      await pub.waitForConfirms();
    });
    await waitFor('consumed', () => spansNamed(`process ${queue}`).length === 1);
    expect(confirmations).toEqual([null]);
    expect(received).toEqual(['run-confirm']);
    const publishes = spansNamed(`publish ${queue}`);
    expect(publishes).toHaveLength(1);
    expect(publishes[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(parentId(spansNamed(`process ${queue}`)[0]!)).toBe(publishes[0]!.spanContext().spanId);
    await pub.close();
  });

  it('records a broker nack on a confirm channel as an error of the publish span', async () => {
    const queue = uniqueName('agentrace-amqp');
    const pub = await producer.createConfirmChannel();
    // A queue that refuses every publish: the broker nacks it.
    await pub.assertQueue(queue, { autoDelete: true, arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' } });
    const confirmations: unknown[] = [];
    await inRun('run-nack', async () => {
      await new Promise<void>((resolve) =>
        pub.sendToQueue(queue, Buffer.from('refused'), {}, (err) => {
          confirmations.push(err);
          resolve();
        }),
      );
    });
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]).toBeTruthy();
    const span = spansNamed(`publish ${queue}`)[0]!;
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'message nacked by the broker' });
    await pub.deleteQueue(queue);
    await pub.close();
  });

  it('never takes the attempt from a header a publisher set on a classic queue', async () => {
    const queue = uniqueName('agentrace-forged-count');
    const pub = await producer.createChannel();
    const sub = await inWorkerBoot(() => consumer.createChannel());
    await sub.assertQueue(queue, { durable: false });
    try {
      let deliveries = 0;
      await inWorkerBoot(() =>
        sub.consume(queue, (msg) => {
          if (!msg) return;
          deliveries++;
          if (deliveries < 2) sub.nack(msg, false, true);
          else sub.ack(msg);
        }),
      );
      await inRun('run-forged', async () => {
        pub.sendToQueue(queue, Buffer.from('f'), { headers: { 'x-delivery-count': 7 } });
      });
      await waitFor('two deliveries', () => spansNamed(`process ${queue}`).length === 2);
      const spans = spansNamed(`process ${queue}`);
      const first = spans.find((s) => s.attributes['agentrace.messaging.redelivered'] === undefined)!;
      const second = spans.find((s) => s.attributes['agentrace.messaging.redelivered'] === true)!;
      // The first delivery is attempt 1 (the broker's redelivered flag is off), whatever the header says;
      // the redelivery from a classic queue has no attempt number rather than the publisher's 8.
      expect(first.attributes['agentrace.messaging.attempt']).toBe(1);
      expect(second.attributes['agentrace.messaging.attempt']).toBeUndefined();
    } finally {
      await sub.deleteQueue(queue);
      await pub.close();
    }
  });

  it('numbers attempts from x-delivery-count on a quorum queue', async () => {
    const queue = uniqueName('agentrace-quorum');
    const pub = await producer.createChannel();
    const sub = await inWorkerBoot(() => consumer.createChannel());
    await sub.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    try {
      let deliveries = 0;
      await inWorkerBoot(() =>
        sub.consume(queue, (msg) => {
          if (!msg) return; // cancelled when the queue is deleted
          deliveries++;
          if (deliveries < 3) sub.nack(msg, false, true);
          else sub.ack(msg);
        }),
      );
      await inRun('run-quorum', async () => {
        pub.sendToQueue(queue, Buffer.from('q'));
      });
      await waitFor('three deliveries', () => spansNamed(`process ${queue}`).length === 3);
      const spans = spansNamed(`process ${queue}`);
      expect(spans.map((s) => s.attributes['agentrace.messaging.attempt']).sort()).toEqual([1, 2, 3]);
      const publish = spansNamed(`publish ${queue}`)[0]!;
      for (const span of spans) expect(parentId(span)).toBe(publish.spanContext().spanId);
    } finally {
      await sub.deleteQueue(queue);
      await pub.close();
    }
  });

  it('traces channel.get as a receive span in the producer trace, ended at ack, and records the remaining count', async () => {
    const { queue, pub, sub } = await declare();
    await inRun('run-get', async () => {
      pub.sendToQueue(queue, Buffer.from('1'));
      pub.sendToQueue(queue, Buffer.from('2'));
    });
    // Both messages routed (checkQueue's reply also feeds the backlog counts).
    for (let count = 0; count < 2; ) {
      count = (await sub.checkQueue(queue)).messageCount;
      if (count < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const msg = await sub.get(queue);
    expect(msg).not.toBe(false);
    expect(spansNamed(`receive ${queue}`)).toHaveLength(0);
    sub.ack(msg as amqp.GetMessage);
    const span = spansNamed(`receive ${queue}`)[0]!;
    const run = spansNamed('run run-get')[0]!;
    expect(span.spanContext().traceId).toBe(run.spanContext().traceId);
    expect(span.attributes['messaging.operation.type']).toBe('receive');
    expect(span.attributes['agentrace.queue.waiting']).toBe(1);
  });

  it('ends pending spans with an error when the channel closes before the message is settled', async () => {
    const { queue, pub, sub } = await declare();
    await inWorkerBoot(() => sub.consume(queue, () => {}));
    await inRun('run-close', async () => {
      pub.sendToQueue(queue, Buffer.from('x'));
    });
    await waitFor('delivered', () => (sub as unknown as { consumers: Map<string, unknown> }).consumers.size === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sub.close();
    await waitFor('closed span', () => spansNamed(`process ${queue}`).length === 1);
    const span = spansNamed(`process ${queue}`)[0]!;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['agentrace.messaging.settlement']).toBe('channel_closed');
  });
});
