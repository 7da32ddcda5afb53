// Attribute names shared by every agentrace package. The GenAI ones are copied from the incubating
// OpenTelemetry semantic conventions, as OpenTelemetry advises for incubating names, so a rename
// upstream never breaks a build here. `error.type` is stable; it is copied to keep this package's only
// dependency `@opentelemetry/api`.

/** Stable: the class of error an operation ended with. */
export const ATTR_ERROR_TYPE = 'error.type';
/** `error.type` when nothing more specific is known (a thrown string, a plain object). */
export const ERROR_TYPE_VALUE_OTHER = '_OTHER';

/** The name of the agent a span works for (GenAI conventions). */
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';

// agentrace's own names (no convention covers them).
/** The run's correlation id: a span attribute and the baggage key that carries it across processes. */
export const ATTR_CORRELATION_ID = 'agentrace.correlation_id';
/** How many attributes of one mapper result were dropped past the per-result bound. */
export const ATTR_ATTRIBUTES_DROPPED = 'agentrace.attributes.dropped';

/**
 * Set to true on a span by `keepRun()` (or by the agent itself): the run is worth keeping whatever a
 * sampler would say. agentrace's tail sampler keeps the run, and the shipped Jaeger tail-sampling
 * configuration keeps the trace (scripts/jaeger/tail-sampling.yaml).
 */
export const ATTR_SAMPLING_KEEP = 'agentrace.sampling.keep';

// Names written by one package and read by another (the tracer's tail sampler reads them to keep runs
// that hit a stale write or a retry). Defined once here; the writing packages re-export them.
/** Event of `@agentrace/state`'s stale-write guard: the store moved on since the writer read. */
export const EVENT_STATE_STALE_WRITE = 'state.stale_write';
/** Event `@agentrace/decorators` adds to a step's span before it tries again. */
export const EVENT_RETRY = 'retry';
/** 1-based attempt number on each attempt span of a retried step (`@agentrace/decorators`). */
export const ATTR_RETRY_ATTEMPT = 'agentrace.retry.attempt';
/** 1-based delivery attempt of a consumer's process span (`@agentrace/instrumentation-queue`). */
export const ATTR_MESSAGING_ATTEMPT = 'agentrace.messaging.attempt';
/** True when the broker says a delivery is a redelivery (`@agentrace/instrumentation-queue`). */
export const ATTR_MESSAGING_REDELIVERED = 'agentrace.messaging.redelivered';
