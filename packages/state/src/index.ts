export { recordState, sampleState } from './record-state.js';
export { trackRead, trackWrite } from './versions.js';
export { guardedWrite } from './stale-write-guard.js';
export { StaleWriteError } from './stale-write-error.js';
export { verify } from './verify.js';
export { idempotent, defaultIdempotencyStore } from './idempotent.js';
export { MemoryIdempotencyStore } from './memory-idempotency-store.js';
export { RedisIdempotencyStore } from './redis-idempotency-store.js';
export { findLostUpdates, analyseLostUpdates, type LostUpdateAnalysis } from './lost-updates.js';
export { formatLostUpdates } from './format-lost-updates.js';
export {
  fetchJaegerTraces,
  DEFAULT_JAEGER_QUERY_URL,
  type FetchJaegerTracesOptions,
  type JaegerSpan,
  type JaegerTrace,
  type JaegerTracesResponse,
} from '@agentrace/core/jaeger';
export type { LostUpdateInput, ReadableSpanLike, TraceTreeLike, TraceTreeNodeLike } from './span-source.js';
export {
  ATTR_STATE_KEY,
  ATTR_STATE_VERSION,
  ATTR_STATE_BASED_ON,
  ATTR_STATE_CURRENT_VERSION,
  ATTR_STATE_STALE_ACTION,
  ATTR_STATE_STALE_WRITE,
  ATTR_STATE_STALE_WRITE_ATTEMPT,
  ATTR_STATE_REPLACED_VERSION,
  ATTR_STATE_LOST_UPDATE,
  ATTR_STATE_NAME,
  ATTR_STATE_VALUE,
  ATTR_STATE_VALUE_TRUNCATED,
  ATTR_STATE_SAMPLE,
  ATTR_STATE_VERIFY_NAME,
  ATTR_STATE_VERIFIED,
  ATTR_IDEMPOTENCY_KEY,
  ATTR_IDEMPOTENCY_DEDUPLICATED,
  ATTR_IDEMPOTENCY_WAITED,
  EVENT_STATE_SNAPSHOT,
  EVENT_STATE_READ,
  EVENT_STATE_WRITE,
  EVENT_STATE_STALE_WRITE,
  EVENT_IDEMPOTENCY_DEDUPLICATED,
} from './semconv.js';
export type {
  GuardedWriteOptions,
  GuardedWriteResult,
  IdempotencyClaim,
  IdempotencyStore,
  LostUpdate,
  MemoryIdempotencyStoreOptions,
  RecordStateOptions,
  RedisIdempotencyStoreOptions,
  RedisLikeClient,
  SampleStateOptions,
  StaleWriteAction,
  StateSampler,
  StateSerializeOptions,
  StateVersion,
  StateWriteRef,
  TrackReadOptions,
  TrackWriteOptions,
} from './types.js';
export { annotateLostUpdates, ATTR_STATE_LOST_UPDATE_OTHER_RUN, ATTR_STATE_LOST_UPDATE_ROLE } from './annotate.js';
