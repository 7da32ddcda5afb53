// Attribute names shared by every agentrace package. The GenAI ones are copied from the incubating
// OpenTelemetry semantic conventions, as OpenTelemetry advises for incubating names, so a rename
// upstream never breaks a build here. `error.type` is stable; it is copied to keep this package's only
// dependency `@opentelemetry/api`.

/** Stable: the class of error an operation ended with. */
export const ATTR_ERROR_TYPE = 'error.type';
/** `error.type` when nothing more specific is known (a thrown string, a plain object). */
export const ERROR_TYPE_VALUE_OTHER = '_OTHER';

/** The name of the agent a span works for (GenAI conventions): on GenAI operations only. */
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
/** The GenAI operation a span stands for (`chat`, `invoke_agent`, `execute_tool`, ...). */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/** Prefix of every GenAI attribute. */
export const GEN_AI_PREFIX = 'gen_ai.';

// agentrace's own names (no convention covers them).
/** The run's correlation id: a span attribute and the baggage key that carries it across processes. */
export const ATTR_CORRELATION_ID = 'agentrace.correlation_id';
/**
 * The agent's name on spans that are not GenAI operations (steps, HTTP calls, queue hops): a backend
 * such as Jaeger's GenAI view takes any span with a `gen_ai.*` attribute for a GenAI span, so the
 * run's GenAI attributes reach the other spans under `agentrace.*` names (`gen_ai.X` becomes
 * `agentrace.X`).
 */
export const ATTR_AGENTRACE_AGENT_NAME = 'agentrace.agent.name';
/** How many attributes of one mapper result were dropped past the per-result bound. */
export const ATTR_ATTRIBUTES_DROPPED = 'agentrace.attributes.dropped';
