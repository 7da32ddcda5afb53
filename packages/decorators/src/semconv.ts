export { ATTR_CORRELATION_ID, ATTR_ERROR_TYPE, ATTR_GEN_AI_AGENT_NAME } from '@agentrace/core';

// Attribute and event names this package writes. The GenAI ones are copied from the incubating OTel
// semantic conventions (gen-ai agent and tool spans), as OTel advises for incubating names, so a
// rename upstream never breaks a build here. `error.type` is stable; it is copied to keep the
// package's only dependency @opentelemetry/api.

/** The GenAI operation: `invoke_agent` for a run, `execute_tool` for a tool call. */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_GEN_AI_AGENT_DESCRIPTION = 'gen_ai.agent.description';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const ATTR_GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description';

export const GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT = 'invoke_agent';
export const GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL = 'execute_tool';
/** `gen_ai.tool.type` for a tool the agent runs in process. */
export const GEN_AI_TOOL_TYPE_VALUE_FUNCTION = 'function';


// agentrace's own names (no convention covers them).
/** 1-based attempt number on each attempt span of a retried step (defined in core: the tail sampler reads it). */
export { ATTR_RETRY_ATTEMPT } from '@agentrace/core';
/** Milliseconds waited before the next attempt, on the `retry` event. */
export const ATTR_RETRY_BACKOFF_MS = 'agentrace.retry.backoff_ms';
/** Chunks (or iterator values) that passed through a traced stream. */
export const ATTR_STREAM_CHUNKS = 'agentrace.stream.chunks';
/** Milliseconds from the call to the first chunk of a traced stream. */
export const ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS = 'agentrace.stream.time_to_first_chunk_ms';
/** Set on a span whose stream or thenable nobody consumed within the idle bound. */
export const ATTR_ABANDONED = 'agentrace.abandoned';
/** Set on a span that ended with an error marked as expected by the `expectedError` option. */
export const ATTR_ERROR_EXPECTED = 'agentrace.error.expected';
/** Set on a span whose AbortSignal fired. */
export const ATTR_CANCELLED = 'agentrace.cancelled';

export { EVENT_RETRY } from '@agentrace/core';
export const EVENT_CANCELLED = 'cancelled';
export const EVENT_FIRST_CHUNK = 'first_chunk';
