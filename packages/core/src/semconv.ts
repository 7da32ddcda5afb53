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

/**
 * Set to true on a span by `keepRun()` (or by the agent itself): the run is worth keeping whatever a
 * sampler would say. agentrace's tail sampler keeps the run, and the shipped Jaeger tail-sampling
 * configuration keeps the trace.
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

// GenAI names the model-call spans use (copied from the incubating conventions of
// @opentelemetry/semantic-conventions 1.45, whose GenAI constants are deprecated there).
/** The provider as the client identifies it (`openai`, `anthropic`, `gcp.gemini`, ...). */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
/** The model a request asked for. */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const ATTR_GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences';
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty';
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty';
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats';
export const ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count';
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
/** Seconds from the request to the first chunk of a streamed answer. */
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
/** Tokens written to the prompt cache: the 1.45 name (the newest conventions say `cache_write`). */
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
/** The newest development conventions' name for {@link ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS}. */
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
/** The tool call id the model gave a call (on `execute_tool` spans). */
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
// Content, opt-in: JSON text in the conventions' structures.
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_GEN_AI_TOOL_DEFINITIONS = 'gen_ai.tool.definitions';
