// Attribute names this package writes that are not in the stable semantic conventions yet, copied
// from the incubating ones (OTel advises copying over importing `/incubating`), plus agentrace's own. The
// GenAI names are shared with the other packages and live in `@agentrace/core` (its semconv module), as
// does the correlation id (`agentrace.correlation_id`, `ATTR_CORRELATION_ID`).

/** Size of the response body in bytes, after any content decoding the transport does not undo. */
export const ATTR_HTTP_RESPONSE_BODY_SIZE = 'http.response.body.size';

/**
 * agentrace: the request was cancelled by the caller (AbortSignal, `req.destroy()`, or the client
 * going away on a server span). The conventions say an abort is not an error; this says it happened.
 */
export const ATTR_AGENTRACE_HTTP_ABORTED = 'agentrace.http.aborted';


/**
 * agentrace: the tool call ids the model asked for in this answer, in order (an `execute_tool` span
 * that runs one carries the same id as `gen_ai.tool.call.id`). No convention names them outside the
 * opt-in `gen_ai.output.messages`, and ids are not content.
 */
export const ATTR_AGENTRACE_GEN_AI_TOOL_CALL_IDS = 'agentrace.gen_ai.tool_call.ids';
/** agentrace: the names of the tools the model asked for, in the order of the ids. */
export const ATTR_AGENTRACE_GEN_AI_TOOL_CALL_NAMES = 'agentrace.gen_ai.tool_call.names';
/** agentrace: server-sent events of a streamed answer that were seen (all of them, unless the caller stopped reading). */
export const ATTR_AGENTRACE_GEN_AI_STREAM_EVENTS = 'agentrace.gen_ai.stream.events';
/** agentrace: streamed events larger than `genAi.maxBodyBytes`, skipped unread. */
export const ATTR_AGENTRACE_GEN_AI_STREAM_OVERSIZED_EVENTS = 'agentrace.gen_ai.stream.oversized_events';
/**
 * agentrace: the span ended because nobody read on (a streamed answer its reader stopped reading
 * without cancelling it); the same name as the decorators' abandoned streams.
 */
export const ATTR_AGENTRACE_ABANDONED = 'agentrace.abandoned';
