import type { Span } from '@opentelemetry/api';
import type { StateSerializeOptions } from './serialize-state.js';

export type { StateSerializeOptions };

/**
 * A version of a piece of state: a counter, a string tag (ETag, revision id) or a timestamp.
 * A Date is recorded as epoch milliseconds, so timestamps compare as numbers.
 */
export type StateVersion = number | string | Date;

/** Options of `recordState`. */
export interface RecordStateOptions {
  /** The span that gets the event. Default: the active span (nothing is recorded without one). */
  span?: Span;
  /** Passed to the shared serializer of @agentrace/core (size limit, redaction). Default: its defaults. */
  serialize?: StateSerializeOptions;
}

/** Options of `sampleState`. */
export interface SampleStateOptions extends RecordStateOptions {
  /** Milliseconds between samples; the first sample is taken at once. Default: 1000. */
  intervalMs?: number;
}

/** A running periodic sampler. */
export interface StateSampler {
  /** Stops sampling; safe to call more than once. Sampling also stops by itself when the span ends. */
  stop(): void;
  /** True once stopped (explicitly or because the span ended). */
  readonly stopped: boolean;
}

/** Options of `trackRead`. */
export interface TrackReadOptions {
  /** The span that gets the event. Default: the active span. */
  span?: Span;
}

/** What `trackWrite` records. */
export interface TrackWriteOptions {
  /** The version the writer had read, i.e. the one its new value was computed from. Default: the last `trackRead` of this key on the same span (the analysis infers it). */
  basedOn?: StateVersion;
  /** The version the write produced, when the store reports it. Default: none. */
  version?: StateVersion;
  /**
   * The version the store held just before the write, when the store reports it (a compare-and-set
   * that answers with the old version, or the guard's check). Recorded as `state.replaced_version`;
   * when it differs from `basedOn`, the write replaced data it never saw, and the span gets
   * `state.lost_update: true`. Default: none.
   */
  replaced?: StateVersion;
  /** The span that gets the event. Default: the active span. */
  span?: Span;
}

/** What the stale-write guard does when the data changed since it was read. */
export type StaleWriteAction = 'throw' | 'skip' | 'proceed';

/** Options of `guardedWrite`. */
export interface GuardedWriteOptions<R> {
  /** The version the caller read before computing the new value. Required. */
  readVersion: StateVersion;
  /** Returns the version the store holds now. If it returns synchronously, the check and the write run in the same tick. Required. */
  currentVersion: () => StateVersion | Promise<StateVersion>;
  /** On a stale write: throw a `StaleWriteError`, skip the write, or write anyway. Default: `'throw'`. */
  onStale?: StaleWriteAction;
  /** Whether `current` means someone else wrote since `read`. Default: the two versions differ. */
  isStale?: (read: StateVersion, current: StateVersion) => boolean;
  /** The version the write produced, from its result, for the `state.write` event. Default: none recorded. */
  newVersion?: (result: R) => StateVersion | undefined;
  /** The span that gets the events. Default: the active span. */
  span?: Span;
}

/** What `guardedWrite` did. */
export type GuardedWriteResult<R> =
  | { written: true; stale: boolean; result: R; currentVersion: StateVersion }
  | { written: false; stale: true; currentVersion: StateVersion };

/** What a store answers when `idempotent` tries to claim a key. */
export type IdempotencyClaim =
  | { status: 'claimed'; token: string }
  | { status: 'done'; result: unknown }
  | { status: 'pending' };

/**
 * Where `idempotent` remembers keys. A store must make `claim` atomic across every caller that shares
 * it (one process for the in-memory store, every process for the Redis store).
 */
export interface IdempotencyStore {
  /** Claims the key for this caller, or says it is done (with the first result) or in flight elsewhere. */
  claim(key: string): Promise<IdempotencyClaim>;
  /** Stores the first result under a claimed key; later claims answer `done` with it. */
  complete(key: string, token: string, result: unknown): Promise<void>;
  /** Gives a claimed key up (the call failed), so a later call runs again. */
  release(key: string, token: string): Promise<void>;
  /** Resolves when an in-flight claim on the key may have finished (completed, released or expired). */
  waitForChange(key: string): Promise<void>;
}

/** Options of the in-memory idempotency store. */
export interface MemoryIdempotencyStoreOptions {
  /** Completed keys kept at most; the oldest go first. Default: 10,000. */
  maxEntries?: number;
  /** Milliseconds a completed key is remembered. Default: 3,600,000 (one hour). */
  ttlMs?: number;
}

/**
 * The commands the Redis store uses; an ioredis `Redis` or `Cluster` client fits. The package never
 * imports ioredis itself: you pass your client in.
 */
export interface RedisLikeClient {
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>;
  set(key: string, value: string, px: 'PX', milliseconds: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
  eval(script: string, numKeys: number, key: string, arg: string): Promise<unknown>;
}

/** Options of the Redis idempotency store. */
export interface RedisIdempotencyStoreOptions {
  /** The ioredis client (connection owned by you; the store never closes it). Required. */
  client: RedisLikeClient;
  /** Prefix of every key the store writes. Default: `agentrace:idempotency:`. */
  keyPrefix?: string;
  /** Milliseconds a claim stays valid while its call runs; after that another caller may run it. Default: 30,000. */
  leaseMs?: number;
  /** Milliseconds a completed key (and its JSON result) is remembered. Default: 86,400,000 (one day). */
  ttlMs?: number;
  /** Milliseconds between checks while waiting for an in-flight call elsewhere. Default: 25. */
  pollIntervalMs?: number;
}

/** A span, run and time of one recorded write, as the lost-update report names them. */
export interface StateWriteRef {
  traceId: string;
  spanId: string;
  /** Span name. */
  spanName: string;
  /** `agentrace.correlation_id` of the span (or its nearest ancestor that has one). */
  correlationId?: string;
  /** `service.name` of the process, where known. */
  serviceName?: string;
  /** The version the write was based on. */
  basedOn: string | number;
  /** The version the write produced, if recorded. */
  version?: string | number;
  /** Milliseconds since the Unix epoch. */
  timeMs: number;
}

/** One lost update the analysis can prove. */
export interface LostUpdate {
  key: string;
  /** The write based on an old version, which overwrote `lost`. */
  overwriting: StateWriteRef;
  /** The earlier write whose update the `overwriting` write never saw. */
  lost: StateWriteRef & { version: string | number };
  /**
   * How the order of the two writes is known: `versions` (the lost version lies between the overwriting
   * write's base and its own version), `event-order` (both writes are events of one span), or
   * `timestamps` (event times, which clock skew between hosts can mislead).
   */
  orderedBy: 'versions' | 'event-order' | 'timestamps';
  /** Later writes that also replaced `lost` without having seen it (the finding is counted once). */
  alsoOverwrittenBy?: StateWriteRef[];
}
