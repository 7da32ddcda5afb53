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
  resolveAmqplibState,
} from './amqplib.js';
import { type BullMQInstrumentationConfig, type BullMQState, patchBullMQ, resolveBullMQState } from './bullmq.js';
import { QueueClientInstrumentation } from './client-instrumentation.js';
import { type InProcessQueueInstrumentationConfig, patchFastq, patchPQueue, resolveInProcessState } from './in-process.js';
import type { ClientState, QueueClient } from './internal-types.js';
import { MESSAGING_SYSTEM_VALUE_BULLMQ, MESSAGING_SYSTEM_VALUE_IN_PROCESS, MESSAGING_SYSTEM_VALUE_RABBITMQ } from './semconv.js';

/**
 * BullMQ (Redis): PRODUCER spans for `Queue.add`, `addBulk`, `upsertJobScheduler` and
 * `FlowProducer.add`/`addBulk`, a CONSUMER span per attempt of a `Worker`'s processor.
 */
export class BullMQInstrumentation extends QueueClientInstrumentation<BullMQInstrumentationConfig, BullMQState> {
  constructor(config: BullMQInstrumentationConfig = {}) {
    super(config);
  }

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
      versions: ['>=5.0.0 <6'],
      files: { 'dist/cjs/classes/queue.js': patchBullMQ, 'dist/cjs/classes/worker.js': patchBullMQ, 'dist/cjs/classes/flow-producer.js': patchBullMQ },
    },
  ],
  resolve: resolveBullMQState,
  instrumentation: BullMQInstrumentation,
} as const satisfies QueueClient<'bullmq', BullMQInstrumentationConfig, BullMQState>;

/**
 * amqplib (RabbitMQ): PRODUCER spans for `publish` and `sendToQueue` (on a confirm channel they end
 * when the broker confirms), a CONSUMER span per delivery to a `consume` callback (ended once the
 * handler is done and the message is settled) and per `get`.
 */
export class AmqplibInstrumentation extends QueueClientInstrumentation<AmqplibInstrumentationConfig, ClientState> {
  constructor(config: AmqplibInstrumentationConfig = {}) {
    super(config);
  }

  protected override client(): QueueClient<'amqplib', AmqplibInstrumentationConfig, ClientState> {
    return AMQPLIB;
  }
}

const AMQPLIB = {
  optionKey: 'amqplib',
  system: MESSAGING_SYSTEM_VALUE_RABBITMQ,
  onByDefault: true,
  // amqplib's entry points (`amqplib`, `amqplib/callback_api`) `require` the files of its channel classes.
  modules: [
    {
      name: 'amqplib',
      versions: ['>=0.10.0 <3'],
      files: { 'lib/channel_model.js': patchAmqplibChannels, 'lib/callback_model.js': patchAmqplibCallbackChannels },
    },
  ],
  resolve: resolveAmqplibState,
  instrumentation: AmqplibInstrumentation,
} as const satisfies QueueClient<'amqplib', AmqplibInstrumentationConfig, ClientState>;

/**
 * In-process queues: every p-queue task and fastq task runs in the context of the code that enqueued
 * it, in a CONSUMER `process p-queue` / `process fastq` span. Off in `instrumentQueues` unless asked
 * for (`inProcess: true`): libraries use p-queue internally, and each of their tasks would get a span.
 */
export class InProcessQueueInstrumentation extends QueueClientInstrumentation<InProcessQueueInstrumentationConfig, ClientState> {
  constructor(config: InProcessQueueInstrumentationConfig = {}) {
    super(config);
  }

  protected override client(): QueueClient<'inProcess', InProcessQueueInstrumentationConfig, ClientState> {
    return IN_PROCESS;
  }
}

const IN_PROCESS = {
  optionKey: 'inProcess',
  system: MESSAGING_SYSTEM_VALUE_IN_PROCESS,
  onByDefault: false,
  modules: [
    // An ES module: seen through the import-in-the-middle loader (`node --import @opentelemetry/instrumentation/hook.mjs`).
    { name: 'p-queue', versions: ['>=7.0.0 <9'], patch: patchPQueue },
    { name: 'fastq', versions: ['>=1.15.0 <2'], patch: patchFastq },
  ],
  resolve: resolveInProcessState,
  instrumentation: InProcessQueueInstrumentation,
} as const satisfies QueueClient<'inProcess', InProcessQueueInstrumentationConfig, ClientState>;

/** Every registered client, in the order `instrumentQueues` enables them. */
export const QUEUE_CLIENTS = [BULLMQ, AMQPLIB, IN_PROCESS] as const;

/** A registered client. */
export type RegisteredQueueClient = (typeof QUEUE_CLIENTS)[number];

/** The config type of a registered client. */
type ConfigOf<C> = C extends { resolve: (config: infer Config, tracerProvider: TracerProvider | undefined) => unknown } ? Config : never;

/** One key per registered client in the options of `instrumentQueues`: `false`, `true` or its config. */
export type QueueClientSwitches = { [C in RegisteredQueueClient as C['optionKey']]?: boolean | ConfigOf<C> };
