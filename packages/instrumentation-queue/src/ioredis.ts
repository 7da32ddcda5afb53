// ioredis: a client's events (a subscriber's `message`, `pmessage`, `smessage` and their `Buffer`
// forms; `ready`, `error`, `close`, `end`, ...) come from its socket, which runs in the context the
// client was created in. A subscriber created lazily inside the first run that needed it would run
// every later message's listeners in that run. Redis pub/sub payloads are plain strings with no room
// for a carrier, so the publisher's context cannot travel without changing what the subscriber reads:
// the listeners run outside any run instead, and no span is recorded.
import type { TracerProvider } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import { reporter } from './diagnostics.js';
import { alwaysOutsideRuns, wrapEmit } from './event-context.js';
import type { ClientState, StateSource } from './internal-types.js';
import { resolveClientState } from './messaging.js';
import { MESSAGING_SYSTEM_VALUE_REDIS } from './semconv.js';
import { wrapMethod } from './wrap.js';

/**
 * Options of the ioredis instrumentation (`IORedisInstrumentation`, `instrumentQueues({ ioredis })`).
 * It records no spans (only `enabled`, from `InstrumentationConfig`, applies).
 */
export interface IORedisInstrumentationConfig extends InstrumentationConfig {}

export function resolveIORedisState(config: IORedisInstrumentationConfig, tracerProvider: TracerProvider | undefined): ClientState {
  return resolveClientState(MESSAGING_SYSTEM_VALUE_REDIS, 'ioredis', config, tracerProvider);
}

/**
 * Patches the `emit` of the client class a file of ioredis defines (`built/Redis.js`: `Redis`,
 * `built/cluster/index.js`: `Cluster`; each exported as `default`), so every listener of every
 * instance, made before or after, runs outside any run. Returns the undo.
 */
export function patchIORedis(moduleExports: { default?: { prototype?: object } } | undefined, _source: StateSource): () => void {
  const proto = moduleExports?.default?.prototype;
  if (!proto || typeof (proto as { emit?: unknown }).emit !== 'function') {
    reporter.errorOnce('ioredis:shape', 'the ioredis file has no client class with an emit method; it is left as it is');
    return () => {};
  }
  return wrapMethod(proto, 'emit', (original) => wrapEmit(original, 'ioredis', alwaysOutsideRuns));
}
