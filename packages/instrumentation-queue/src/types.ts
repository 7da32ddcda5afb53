import type { Attributes, MeterProvider, Span, TracerProvider } from '@opentelemetry/api';

/**
 * How a consumer's process span relates to the producer's span.
 * - `child`: the process span is a child of the producer span: one message, one trace.
 * - `link`: the process span starts a new trace with a link to the producer span.
 * Baggage (the run's correlation id included) is carried over either way.
 */
export type ConsumerParentMode = 'child' | 'link';

/** What a producer hook sees: the span, the queue system and destination, and the message as given. */
export interface ProducerHookInfo {
  system: string;
  destination: string;
  /** BullMQ: `{ name, data, opts }`; amqplib: `{ exchange, routingKey, content, options }`. */
  message: unknown;
}

/** What a consumer hook sees: the span, the queue system and destination, and the delivered message. */
export interface ConsumerHookInfo {
  system: string;
  destination: string;
  /** BullMQ: the `Job`; amqplib: the `ConsumeMessage`. */
  message: unknown;
}

/** Called after a producer span starts; may add attributes. Errors are caught and reported once via `diag`. */
export type ProducerHook = (span: Span, info: ProducerHookInfo) => void;
/** Called after a consumer (process) span starts; may add attributes. Errors are caught and reported via `diag`. */
export type ConsumerHook = (span: Span, info: ConsumerHookInfo) => void;

/** Options shared by every queue client. */
export interface QueueClientOptions {
  /** Process span parent: `child` of the producer span or a new trace with a `link`. Default: `'child'`. */
  consumerParent?: ConsumerParentMode;
  /** Runs on every producer span after it starts. Default: none. */
  producerHook?: ProducerHook;
  /** Runs on every consumer (process) span after it starts. Default: none. */
  consumerHook?: ConsumerHook;
}

/** BullMQ options. */
export interface BullMQInstrumentationOptions extends QueueClientOptions {
  /** Instrument BullMQ (`Queue.add`, `addBulk`, `upsertJobScheduler`, `FlowProducer`, `Worker`). Default: `true`. */
  enabled?: boolean;
  /**
   * Repeatable jobs (job schedulers, `repeat` option): each repetition starts a new trace linked to the
   * producer that scheduled it, so a schedule never grows one endless trace. Default: `true`.
   */
  newTracePerRepetition?: boolean;
}

/** amqplib (RabbitMQ) options. */
export interface AmqplibInstrumentationOptions extends QueueClientOptions {
  /** Instrument amqplib channels (`publish`, `sendToQueue`, `consume`, `get`, ack/nack/reject). Default: `true`. */
  enabled?: boolean;
}

/** Periodic backlog sampling: queue depth and worker activity for every queue this process touched. */
export interface BacklogSamplingOptions {
  /** Milliseconds between samples. Default: `15000`. */
  intervalMs?: number;
  /** Emit each sample as a short `sample queues` span with one `queue.backlog` event per queue. Default: `true`. */
  spans?: boolean;
  /** Also report the samples as observable gauges (`agentrace.queue.waiting`, ...). Default: `true`. */
  metrics?: boolean;
  /** Meter provider for the gauges. Default: the global one (a no-op until one is registered). */
  meterProvider?: MeterProvider;
}

/** Options of `instrumentQueues`, which `init` calls with the tracer options' `queues` entry. */
export interface QueueInstrumentationOptions {
  /** Provider to use. Default: the global one (looked up per span, so it can be registered later). */
  tracerProvider?: TracerProvider;
  /** BullMQ instrumentation: `false` to turn it off, or its options. Default: `true`. */
  bullmq?: boolean | BullMQInstrumentationOptions;
  /** amqplib instrumentation: `false` to turn it off, or its options. Default: `true`. */
  amqplib?: boolean | AmqplibInstrumentationOptions;
  /** Default process span parent for every client (a client's own option wins). Default: `'child'`. */
  consumerParent?: ConsumerParentMode;
  /** Periodic backlog samples: `true` for the defaults, or options. Default: `false`. */
  backlog?: boolean | BacklogSamplingOptions;
}

/** Returned by `instrumentQueues` and the explicit `instrument*` calls. */
export interface QueueInstrumentationHandle {
  /** Removes the patches (for code loaded from now on, and on already patched prototypes) and stops sampling. */
  disable(): void;
}

/** Options of `bindToEnqueuer`. */
export interface BindToEnqueuerOptions {
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
