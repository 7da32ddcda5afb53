// Attribute and event names this package writes. No OTel convention covers application state
// versions or idempotency, so these are agentrace's own; they are stable API: the lost-update
// analysis reads them back from exported traces (Jaeger included), so renaming one breaks analysis
// of older traces. `error.type` is the stable OTel name, copied to keep @opentelemetry/api the only
// OTel dependency. `agentrace.correlation_id` is the one @agentrace/decorators writes on every span.

/** The key of the piece of shared state (a cache key, a row id, a document path). */
export const ATTR_STATE_KEY = 'state.key';
/** The version read (on `state.read`) or written (on `state.write`). Number or string; a Date is recorded as epoch milliseconds. */
export const ATTR_STATE_VERSION = 'state.version';
/** The version a write was based on: the one the writer had read. */
export const ATTR_STATE_BASED_ON = 'state.based_on';
/** The version the store held when the stale-write guard checked. */
export const ATTR_STATE_CURRENT_VERSION = 'state.current_version';
/** What the stale-write guard did: `throw`, `skip` or `proceed`. */
export const ATTR_STATE_STALE_ACTION = 'state.stale_write.action';
/** On the span: true when the stale-write guard found a stale write in it (the step is marked, not only its event). */
export const ATTR_STATE_STALE_WRITE = 'state.stale_write';
/** On the span: the retry attempt (1-based) in which the last stale write was found. */
export const ATTR_STATE_STALE_WRITE_ATTEMPT = 'state.stale_write.attempt';
/** On a `state.write` event: the version the store held just before this write replaced it. */
export const ATTR_STATE_REPLACED_VERSION = 'state.replaced_version';
/** On the span: true when one of its writes replaced a version other than the one it was based on (a lost update, as it happens). */
export const ATTR_STATE_LOST_UPDATE = 'state.lost_update';

/** The name given to `recordState` / `sampleState`. */
export const ATTR_STATE_NAME = 'state.name';
/** The serialized (redacted, truncated) value of a snapshot. */
export const ATTR_STATE_VALUE = 'state.value';
/** Set to true when `state.value` was cut to the size limit. */
export const ATTR_STATE_VALUE_TRUNCATED = 'state.value.truncated';
/** 1-based sample number of a periodic sampler. */
export const ATTR_STATE_SAMPLE = 'state.sample';

/** The name given to `verify`. */
export const ATTR_STATE_VERIFY_NAME = 'state.verify.name';
/** Whether the read-back check found what was written. */
export const ATTR_STATE_VERIFIED = 'state.verified';

/** The idempotency key given to `idempotent`. */
export const ATTR_IDEMPOTENCY_KEY = 'state.idempotency.key';
/** True when the call was a repeat and returned the first call's result without running. */
export const ATTR_IDEMPOTENCY_DEDUPLICATED = 'state.idempotency.deduplicated';
/** On the deduplicated event: true when the repeat waited for the first call still in flight. */
export const ATTR_IDEMPOTENCY_WAITED = 'state.idempotency.waited';

export { ATTR_CORRELATION_ID, ATTR_ERROR_TYPE } from '@agentrace/core';

export const EVENT_STATE_SNAPSHOT = 'state.snapshot';
export const EVENT_STATE_READ = 'state.read';
export const EVENT_STATE_WRITE = 'state.write';
export { EVENT_STATE_STALE_WRITE } from '@agentrace/core';
export const EVENT_IDEMPOTENCY_DEDUPLICATED = 'state.idempotency.deduplicated';
