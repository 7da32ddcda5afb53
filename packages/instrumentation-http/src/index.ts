export { AgentraceHttpInstrumentation, instrumentHttp } from './instrumentation.js';
export { DEFAULT_REDACTED_QUERY_PARAMS } from './redact.js';
export { setHttpRoute } from './span-naming.js';
export {
  ATTR_AGENTRACE_HTTP_ABORTED,
  ATTR_AGENTRACE_ABANDONED,
  ATTR_HTTP_RESPONSE_BODY_SIZE,
  ATTR_AGENTRACE_GEN_AI_TOOL_CALL_IDS,
  ATTR_AGENTRACE_GEN_AI_TOOL_CALL_NAMES,
  ATTR_AGENTRACE_GEN_AI_STREAM_EVENTS,
  ATTR_AGENTRACE_GEN_AI_STREAM_OVERSIZED_EVENTS,
} from './semconv.js';
export type {
  AgentraceHttpInstrumentationConfig,
  GenAiOptions,
  HttpIgnoreRule,
  HttpInstrumentationHandle,
  HttpRequestInfo,
  HttpSpanNameInfo,
} from './types.js';
