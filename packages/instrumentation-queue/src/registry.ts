// The queue clients this package instruments, and the only place one is registered: its option key in
// `instrumentQueues`, its `messaging.system`, the modules and versions its hooks watch (and the
// patch for each), the state its patches read, and its instrumentation class. `instrumentQueues`, the
// classes and the registry-driven tests (`test/clients-*.test.ts`, one adapter per key in
// `test/adapters/`) all iterate this list. README, "Adding a client", says what else a new one needs.
import type { TracerProvider } from '@opentelemetry/api';
import {
  type AmqplibInstrumentationConfig,
  patchAmqplibCallbackChannels,
  patchAmqplibChannels,
  patchAmqplibConnection,
  resolveAmqplibState,
} from './amqplib.js';
import { type BullMQInstrumentationConfig, type BullMQState, patchBullMQ, resolveBullMQState } from './bullmq.js';
import { QueueClientInstrumentation } from './client-instrumentation.js';
import { type InProcessQueueInstrumentationConfig, patchFastq, patchPQueue, resolveInProcessState } from './in-process.js';
import type { ClientState, QueueClient } from './internal-types.js';
import { type IORedisInstrumentationConfig, patchIORedis, resolveIORedisState } from './ioredis.js';
import {
  MESSAGING_SYSTEM_VALUE_BULLMQ,
  MESSAGING_SYSTEM_VALUE_IN_PROCESS,
  MESSAGING_SYSTEM_VALUE_RABBITMQ,
  MESSAGING_SYSTEM_VALUE_REDIS,
} from './semconv.js';

/**
 * BullMQ (Redis): PRODUCER spans for `Queue.add`, `addBulk`, `upsertJobScheduler` and
 * `FlowProducer.add`/`addBulk`, a CONSUMER span per attempt of a `Worker`'s processor. Listeners of
 * events BullMQ fires from its own loops and connections (every `QueueEvents` event; a `Worker`'s
 * events but those about the job it is processing and those of the app's own calls; a `Queue`'s
 * connection events) run outside the run that created the instance.
 */
export class BullMQInstrumentation extends QueueClientInstrumentation<BullMQInstrumentationConfig, BullMQState> {
  protected override client(): QueueClient<'bullmq', BullMQInstrumentationConfig, BullMQState> {
    return BULLMQ;
  }
}

const BULLMQ = {
  optionKey: 'bullmq',
  system: MESSAGING_SYSTEM_VALUE_BULLMQ,
  onByDefault: true,
  // BullMQ has no `exports` map, so Node loads its CommonJS build for `import` too, and its index
  // `require`s the files that define the classes: hooking those works in CJS and ESM apps alike.
  modules: [
    {
      name: 'bullmq',
      versions: ['>=5.0.0 <7'],
      files: {
        'dist/cjs/classes/queue.js': patchBullMQ,
        'dist/cjs/classes/worker.js': patchBullMQ,
        'dist/cjs/classes/flow-producer.js': patchBullMQ,
        'dist/cjs/classes/queue-events.js': patchBullMQ,
      },
    },
  ],
  resolve: resolveBullMQState,
  instrumentation: BullMQInstrumentation,
} as const satisfies QueueClient<'bullmq', BullMQInstrumentationConfig, BullMQState>;

/**
 * amqplib (RabbitMQ): PRODUCER spans for `publish` and `sendToQueue` (on a confirm channel they end
 * when the broker confirms), a CONSUMER span per delivery to a `consume` callback (ended once the
 * handler is done and the message is settled) and per `get`. Listeners of channel and connection
 * events run outside the run that opened them (a `return` in the returned message's publisher's context).
 */
export class AmqplibInstrumentation extends QueueClientInstrumentation<AmqplibInstrumentationConfig, ClientState> {
  protected override client(): QueueClient<'amqplib', AmqplibInstrumentationConfig, ClientState> {
    return AMQPLIB;
  }
}

const AMQPLIB = {
  optionKey: 'amqplib',
  system: MESSAGING_SYSTEM_VALUE_RABBITMQ,
  onByDefault: true,
  // amqplib's entry points (`amqplib`, `amqplib/callback_api`) `require` the files of its channel and
  // connection classes.
  modules: [
    {
      name: 'amqplib',
      versions: ['>=0.10.0 <3'],
      files: {
        'lib/channel_model.js': patchAmqplibChannels,
        'lib/callback_model.js': patchAmqplibCallbackChannels,
        'lib/connection.js': patchAmqplibConnection,
      },
    },
  ],
  resolve: resolveAmqplibState,
  instrumentation: AmqplibInstrumentation,
} as const satisfies QueueClient<'amqplib', AmqplibInstrumentationConfig, ClientState>;

/**
 * In-process queues: every p-queue task and fastq task runs in the context of the code that enqueued
 * it, in a CONSUMER `process p-queue` / `process fastq` span. On by default: without it, runs sharing a
 * queue run their tasks in whichever run's task came before (`inProcess: false` turns it off).
 */
export class InProcessQueueInstrumentation extends QueueClientInstrumentation<InProcessQueueInstrumentationConfig, ClientState> {
  protected override client(): QueueClient<'inProcess', InProcessQueueInstrumentationConfig, ClientState> {
    return IN_PROCESS;
  }
}

const IN_PROCESS = {
  optionKey: 'inProcess',
  system: MESSAGING_SYSTEM_VALUE_IN_PROCESS,
  onByDefault: true,
  modules: [
    // An ES module: seen through the import-in-the-middle loader (`node --import @opentelemetry/instrumentation/hook.mjs`).
    { name: 'p-queue', versions: ['>=7.0.0 <11'], patch: patchPQueue },
    { name: 'fastq', versions: ['>=1.15.0 <2'], patch: patchFastq },
  ],
  resolve: resolveInProcessState,
  instrumentation: InProcessQueueInstrumentation,
} as const satisfies QueueClient<'inProcess', InProcessQueueInstrumentationConfig, ClientState>;

/**
 * ioredis: no spans (a Redis pub/sub payload is a plain string, with no room for a carrier); the
 * listeners of every event of a `Redis` or `Cluster` client (a subscriber's `message`, `pmessage`,
 * `smessage` and their `Buffer` forms, its connection events) run outside the run that created it.
 */
export class IORedisInstrumentation extends QueueClientInstrumentation<IORedisInstrumentationConfig, ClientState> {
  protected override client(): QueueClient<'ioredis', IORedisInstrumentationConfig, ClientState> {
    return IOREDIS;
  }
}

const IOREDIS = {
  optionKey: 'ioredis',
  system: MESSAGING_SYSTEM_VALUE_REDIS,
  onByDefault: true,
  // ioredis's index `require`s the files of its client classes, for `import` too (it is CommonJS).
  modules: [{ name: 'ioredis', versions: ['>=5.0.0 <7'], files: { 'built/Redis.js': patchIORedis, 'built/cluster/index.js': patchIORedis } }],
  resolve: resolveIORedisState,
  instrumentation: IORedisInstrumentation,
} as const satisfies QueueClient<'ioredis', IORedisInstrumentationConfig, ClientState>;

/** Every registered client, in the order `instrumentQueues` enables them. */
export const QUEUE_CLIENTS = [BULLMQ, AMQPLIB, IN_PROCESS, IOREDIS] as const;

/** A registered client. */
export type RegisteredQueueClient = (typeof QUEUE_CLIENTS)[number];

/** The config type of a registered client. */
type ConfigOf<C> = C extends { resolve: (config: infer Config, tracerProvider: TracerProvider | undefined) => unknown } ? Config : never;

/** One key per registered client in the options of `instrumentQueues`: `false`, `true` or its config. */
export type QueueClientSwitches = { [C in RegisteredQueueClient as C['optionKey']]?: boolean | ConfigOf<C> };
