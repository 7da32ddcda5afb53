import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { instrumentAmqplib } from '@agentrace/instrumentation-queue';
import type * as Amqp from 'amqplib';
import { amqpUrl } from '../utils/brokers.js';
import { inWorkerBoot, uniqueName } from '../utils/runs.js';
import type { ClientLibrary, ClientSession, ClientTestAdapter, SessionOptions } from './types.js';

const require = createRequire(import.meta.url);
const CHANNEL_METHODS = ['publish', 'consume', 'ack', 'nack', 'reject', 'ackAll', 'nackAll', 'emit', 'qos', 'prefetch'] as const;
/** Durable neither way, deleted by `close()`: both processes of the cross-process test assert it alike. */
const QUEUE_OPTIONS: Amqp.Options.AssertQueue = { durable: false, autoDelete: false };

/** Values amqplib itself takes seconds over, with or without agentrace (measured uninstrumented). */
const SLOW_IN_AMQPLIB = {
  headers: { 'boxed 10 MB String': 'amqplib encodes it as a table of 10 million fields', '16 MB Buffer': 'amqplib encodes it as a table of 16 million fields' },
  header: { 'boxed 10 MB String': 'amqplib takes 8 seconds to encode it' },
};

type ChannelClasses = { Channel: { prototype: Record<string, unknown> }; ConfirmChannel: { prototype: Record<string, unknown> } };
type ConnectionClass = { Connection: { prototype: Record<string, unknown> } };

export const adapter: ClientTestAdapter = {
  recordsConcurrency: true,
  messages: 'carries-context',
  crossProcess: true,

  load: () => require('amqplib') as ClientLibrary,

  patchedMethods() {
    // The classes the hooks patch, from the files that define them (amqplib's `exports` map hides them).
    const root = dirname(require.resolve('amqplib'));
    const promiseApi = require(join(root, 'lib/channel_model.js')) as ChannelClasses;
    const callbackApi = require(join(root, 'lib/callback_model.js')) as ChannelClasses;
    const { Connection } = require(join(root, 'lib/connection.js')) as ConnectionClass;
    const methods: Array<[Record<string, unknown>, string]> = [
      ...[...CHANNEL_METHODS, 'get', 'assertQueue', 'checkQueue'].map((m) => [promiseApi.Channel.prototype, m] as [Record<string, unknown>, string]),
      [promiseApi.ConfirmChannel.prototype, 'publish'],
      ...CHANNEL_METHODS.map((m) => [callbackApi.Channel.prototype, m] as [Record<string, unknown>, string]),
      [callbackApi.ConfirmChannel.prototype, 'publish'],
      // Both APIs' models re-emit the connection's events: its listeners run outside the run that opened it.
      [Connection.prototype, 'emit'],
    ];
    // `qos` is gone from amqplib 2 (`prefetch` stays): only the methods this version has.
    return methods.filter(([holder, name]) => typeof holder[name] === 'function');
  },

  async open(lib, { name = uniqueName('agentrace-amqp'), concurrency = 1 }: SessionOptions = {}): Promise<ClientSession> {
    const amqp = lib as typeof Amqp;
    const producer = await amqp.connect(amqpUrl());
    const pub = await producer.createConfirmChannel();
    await pub.assertQueue(name, QUEUE_OPTIONS);
    let consumer: Amqp.ChannelModel | undefined;
    // A plain channel for the hostile calls, opened again when a call made the broker close it.
    let plain: Promise<Amqp.Channel> | undefined;
    const plainChannel = (): Promise<Amqp.Channel> => {
      plain ??= producer.createChannel().then((ch) => {
        ch.on('error', () => {});
        ch.on('close', () => (plain = undefined));
        return ch;
      });
      return plain;
    };
    const hostileSend = (content: unknown, options: unknown): Promise<boolean> =>
      plainChannel().then((ch) => ch.sendToQueue(name, content as Buffer, options as Amqp.Options.Publish));
    return {
      destination: name,
      producerSpanName: `publish ${name}`,
      processSpanName: `process ${name}`,
      publish: (payload) =>
        new Promise<void>((resolve, reject) => pub.sendToQueue(name, Buffer.from(payload), {}, (err: unknown) => (err ? reject(err) : resolve()))),
      async consume(handler) {
        consumer = await amqp.connect(amqpUrl());
        const sub = await inWorkerBoot(() => consumer!.createChannel());
        await sub.assertQueue(name, QUEUE_OPTIONS);
        await sub.prefetch(concurrency);
        await inWorkerBoot(() =>
          sub.consume(name, async (msg) => {
            if (!msg) return; // the broker cancelled the consumer (the queue was deleted)
            try {
              return await handler(msg.content.toString());
            } finally {
              sub.ack(msg);
            }
          }),
        );
      },
      hostile: [
        { position: 'sendToQueue content', send: (value) => hostileSend(value, {}) },
        { position: 'sendToQueue options', send: (value) => hostileSend(Buffer.from('x'), value) },
        { position: 'sendToQueue options.headers', skip: SLOW_IN_AMQPLIB.headers, send: (value) => hostileSend(Buffer.from('x'), { headers: value }) },
        { position: 'a header value', skip: SLOW_IN_AMQPLIB.header, send: (value) => hostileSend(Buffer.from('x'), { headers: { 'x-payload': value } }) },
        { position: 'options.messageId', send: (value) => hostileSend(Buffer.from('x'), { messageId: value }) },
        // A returned message's headers are read for the publisher's context, where amqplib emits it.
        { position: 'a returned message', send: (value) => plainChannel().then((ch) => ch.emit('return', value)) },
      ],
      async close({ keepQueue = false } = {}) {
        await consumer?.close();
        if (!keepQueue) await (await producer.createChannel()).deleteQueue(name);
        await producer.close();
      },
    };
  },

  async explicitHandles(lib) {
    const amqp = lib as typeof Amqp;
    const a = await amqp.connect(amqpUrl());
    const b = await amqp.connect(amqpUrl());
    const handles = [instrumentAmqplib(a), instrumentAmqplib(b)];
    // A confirm channel, then plain ones: Channel.prototype is patched again for each class seen.
    const channels = [await a.createConfirmChannel(), await a.createChannel(), await b.createChannel(), await b.createConfirmChannel(), await a.createChannel()];
    return {
      handles,
      async close() {
        for (const channel of channels) await channel.close().catch(() => {});
        await a.close();
        await b.close();
      },
    };
  },
};
