// Attribute names this package writes that are not in the stable semantic conventions yet, copied
// from the incubating ones (OTel advises copying over importing `/incubating`), plus agentrace's own. The
// correlation id (`agentrace.correlation_id`) is `ATTR_CORRELATION_ID` of `@agentrace/core`.

/** Size of the response body in bytes, after any content decoding the transport does not undo. */
export const ATTR_HTTP_RESPONSE_BODY_SIZE = 'http.response.body.size';

/** GenAI: the provider as identified by the client (`openai`, `anthropic`, ...). */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
/** GenAI: the operation requested (`chat`, `text_completion`, `embeddings`). */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/** GenAI: the model the request asked for. */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
/** GenAI: the model that answered. */
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
/** GenAI: the provider's id of the completion. */
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
/** GenAI: prompt tokens used. */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
/** GenAI: completion tokens used. */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';

/**
 * agentrace: the request was cancelled by the caller (AbortSignal, `req.destroy()`, or the client
 * going away on a server span). The conventions say an abort is not an error; this says it happened.
 */
export const ATTR_AGENTRACE_HTTP_ABORTED = 'agentrace.http.aborted';

