// The public types every client shares. Each client's own config type (`BullMQInstrumentationConfig`,
// `AmqplibInstrumentationConfig`, `InProcessQueueInstrumentationConfig`, `IORedisInstrumentationConfig`)
// sits in its client file, next to what it configures, so a new client touches only its own file there
// (README, "Adding a client").
import type { Attributes, MeterProvider, Span, TracerProvider } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { QueueClientSwitches } from './registry.js';

/**
 * How a consumer's process span relates to the producer's span.
 * - `child`: the process span is a child of the producer span: one message, one trace.
 * - `link`: the process span starts a new trace with a link to the producer span.
 * Baggage (the run's correlation id included) is carried over either way.
 */
export type ConsumerParentMode = 'child' | 'link';

/** What a producer hook sees: the queue system and destination, and the message as given. */
export interface ProducerHookInfo {
  system: string;
  destination: string;
  /** BullMQ: `{ name, data, opts }`; amqplib: `{ exchange, routingKey, content, options }`. */
  message: unknown;
}

/** What a consumer hook sees: the queue system and destination, and the delivered message. */
export interface ConsumerHookInfo {
  system: string;
  destination: string;
  /** BullMQ: the `Job`; amqplib: the `ConsumeMessage`; fastq: the pushed value; p-queue: the task function. */
  message: unknown;
}

/** Called after a producer span starts; may add attributes. Errors are caught and reported once via `diag`. */
export type ProducerHook = (span: Span, info: ProducerHookInfo) => void;
/** Called after a consumer (process) span starts; may add attributes. Errors are caught and reported once via `diag`. */
export type ConsumerHook = (span: Span, info: ConsumerHookInfo) => void;

/** Options of every queue-client instrumentation (`enabled`, from `InstrumentationConfig`, defaults to `true`). */
export interface MessagingInstrumentationConfig extends InstrumentationConfig {
  /** Process span parent: `child` of the producer span or a new trace with a `link`. Default: `'child'`. */
  consumerParent?: ConsumerParentMode;
  /** Runs on every producer span after it starts, before the context is injected. Default: none. */
  producerHook?: ProducerHook;
  /** Runs on every consumer (process) span after it starts. Default: none. */
  consumerHook?: ConsumerHook;
}

/** Periodic backlog sampling: queue depth and worker activity for every queue this process touched. */
export interface BacklogSamplingConfig {
  /** Milliseconds between samples. Default: `15000`. */
  intervalMs?: number;
  /** Emit each sample as a short `sample queues` span with one `queue.backlog` event per queue. Default: `true`. */
  spans?: boolean;
  /** Also report the samples as observable gauges (`agentrace.queue.waiting`, ...). Default: `true`. */
  metrics?: boolean;
  /** Meter provider for the gauges. Default: the global one (a no-op until one is registered). */
  meterProvider?: MeterProvider;
}

/**
 * Options of `instrumentQueues`, which `init` calls with the tracer options' `queues` entry. Besides the
 * fields below it takes one key per registered client (`src/registry.ts`): `bullmq` (default `true`),
 * `amqplib` (default `true`), `inProcess` (default `true`) and `ioredis` (default `true`), each `false`
 * to leave the client alone, `true` for its defaults, or its config (`BullMQInstrumentationConfig`, ...).
 */
export interface QueueInstrumentationConfig extends QueueClientSwitches {
  /** Provider to use. Default: the global one (looked up per span, so it can be registered later). */
  tracerProvider?: TracerProvider;
  /** Default process span parent for every client (a client's own option wins). Default: `'child'`. */
  consumerParent?: ConsumerParentMode;
  /** Periodic backlog samples: `true` for the defaults, or its config. Default: `false`. */
  backlog?: boolean | BacklogSamplingConfig;
}


/** Returned by `instrumentQueues` and the explicit `instrument*` calls. */
export interface QueueInstrumentationHandle {
  /** Removes the patches (for code loaded from now on, and on already patched prototypes) and stops sampling. */
  disable(): void;
}

/** Options of `bindToEnqueuer`. */
export interface BindToEnqueuerConfig {
  /** Start a CONSUMER `process {destination}` span around the task. Default: `true`. */
  span?: boolean;
  /** Queue name for the span name and `messaging.destination.name`. Default: `'task'`. */
  destination?: string;
  /** `messaging.system` value. Default: `'in_process'`. */
  system?: string;
  /** Process span parent: the enqueuer's span (`child`) or a new trace with a `link`. Default: `'child'`. */
  consumerParent?: ConsumerParentMode;
  /** Extra attributes for the process span. Default: none. */
  attributes?: Attributes;
  /** Provider to use. Default: the global one. */
  tracerProvider?: TracerProvider;
}
