export { AgentraceHttpInstrumentation, instrumentHttp } from './instrumentation.js';
export { DEFAULT_REDACTED_QUERY_PARAMS } from './redact.js';
export { ATTR_AGENTRACE_HTTP_ABORTED, ATTR_HTTP_RESPONSE_BODY_SIZE } from './semconv.js';
export type {
  AgentraceHttpInstrumentationConfig,
  HttpIgnoreRule,
  HttpInstrumentationHandle,
  HttpRequestInfo,
} from './types.js';
