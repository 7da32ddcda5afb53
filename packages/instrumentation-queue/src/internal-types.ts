// What users never see: the resolved state the patches read, the shape of a registry entry, and the
// structural shapes of the parts of BullMQ and amqplib this package touches. The libraries are optional
// peers, so nothing here imports them; the shapes hold for BullMQ 5 and amqplib 0.10 to 2.x.
import type { Context, Span, TracerProvider } from '@opentelemetry/api';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { BacklogSource } from './backlog.js';
import type { ConsumerHook, ConsumerParentMode, ProducerHook } from './types.js';

/** Resolved options every patch of a client reads on every call. */
export interface ClientState {
  /** `messaging.system` of the client's spans. */
  readonly system: string;
  /** `undefined`: the global provider, looked up per span. */
  readonly tracerProvider: TracerProvider | undefined;
  readonly consumerParent: ConsumerParentMode;
  readonly producerHook: ProducerHook | undefined;
  readonly consumerHook: ConsumerHook | undefined;
}

/**
 * Where a client's patches read its state: the instrumentation (`setConfig` and `setTracerProvider`
 * replace `state`, and the next message sees it) or an explicit call's fixed state.
 */
export interface StateSource<S extends ClientState = ClientState> {
  state: S;
}

/** What patching one module (or file) did: the exports to hand out, and how to take the patch out. */
export interface Patched {
  /** Set when the exports themselves are replaced (a module whose export is a function); else the same exports. */
  exports?: unknown;
  restore(): void;
}

/** Patches one module's (or file's) exports; returns the undo, or `Patched` when it replaces the exports. */
export type ClientPatch<S extends ClientState> = (exports: any, source: StateSource<S>) => (() => void) | Patched;

/** One module the hooks watch for a client. */
export interface ClientModule<S extends ClientState> {
  /** The package name, as `require` and `import` see it. */
  readonly name: string;
  /** Versions patched (semver ranges); other versions are left alone. */
  readonly versions: readonly string[];
  /** Patches the module's own exports. */
  readonly patch?: ClientPatch<S>;
  /** Patches files inside the module instead, by path from the package root (`lib/channel_model.js`). */
  readonly files?: Readonly<Record<string, ClientPatch<S>>>;
}

/**
 * A queue client as `src/registry.ts` registers it: everything `instrumentQueues`, the instrumentation
 * class and the registry-driven tests need to know about it.
 */
export interface QueueClient<Key extends string, Config extends InstrumentationConfig, S extends ClientState> {
  /** Its key in the options of `instrumentQueues` (and the name of its test adapter, `test/adapters/{key}.ts`). */
  readonly optionKey: Key;
  /** `messaging.system` of its spans. */
  readonly system: string;
  /** Whether `instrumentQueues` turns it on when its key is absent. */
  readonly onByDefault: boolean;
  /** The modules its hooks watch, with their versions and patches. */
  readonly modules: readonly ClientModule<S>[];
  /** The state the patches read, from the class's config (`undefined` provider: the global one). */
  readonly resolve: (config: Config, tracerProvider: TracerProvider | undefined) => S;
  /** The instrumentation class (`registerInstrumentations`, `NodeSDK`). */
  readonly instrumentation: new (config?: Config) => Instrumentation<Config>;
}

/**
 * One message being consumed. Its span ends once the handler is done (returned or, for a promise,
 * settled) and the message is settled (acked or nacked; at once for auto-ack and for clients whose
 * library settles the message when the handler returns).
 */
export interface Delivery {
  readonly span: Span;
  /** The context the handler runs in: the new span plus the producer's baggage. */
  ctx: Context;
  /** The queue's backlog source, whose in-flight count the delivery holds until it ends. */
  readonly source: BacklogSource | undefined;
  /** The delivered message, as the library gives it. */
  readonly message: unknown;
  handlerDone: boolean;
  settled: boolean;
  ended: boolean;
}

export interface BullTelemetryOpts {
  metadata?: string;
  omitContext?: boolean;
}

export interface BullJobOpts {
  telemetry?: BullTelemetryOpts;
  repeat?: unknown;
  delay?: number;
  [key: string]: unknown;
}

export interface BullJob {
  id?: string;
  name: string;
  opts: BullJobOpts;
  timestamp?: number;
  delay?: number;
  attemptsStarted?: number;
  attemptsMade?: number;
  stalledCounter?: number;
  failedReason?: string;
  repeatJobKey?: string;
}

export interface BullQueueBase {
  name: string;
  opts?: { telemetry?: unknown; concurrency?: number };
  keys?: Record<string, string>;
  client?: Promise<BullRedisClient>;
  getJobCounts?(...types: string[]): Promise<Record<string, number>>;
}

export interface BullRedisClient {
  llen(key: string): Promise<number>;
  zcard(key: string): Promise<number>;
}

export interface BullFlowJob {
  name: string;
  queueName: string;
  data?: unknown;
  opts?: BullJobOpts;
  children?: BullFlowJob[];
  [key: string]: unknown;
}

export interface BullMQModuleLike {
  Queue?: { prototype: object };
  Worker?: { prototype: object };
  FlowProducer?: { prototype: object };
  QueueEvents?: { prototype: object };
}

export interface AmqpMessage {
  content: { length: number };
  fields: { deliveryTag: number; redelivered?: boolean; exchange?: string; routingKey?: string; consumerTag?: string; messageCount?: number };
  properties: { headers?: Record<string, unknown>; messageId?: unknown; correlationId?: unknown };
}

export interface AmqpChannelModule {
  Channel?: { prototype: object };
  ConfirmChannel?: { prototype: object };
}
