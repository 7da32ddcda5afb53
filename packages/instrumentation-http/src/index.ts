export { instrumentHttp } from './instrument.js';
export { DEFAULT_REDACTED_QUERY_PARAMS } from './redact.js';
export {
  ATTR_AGENTRACE_CORRELATION_ID,
  ATTR_AGENTRACE_HTTP_ABORTED,
  ATTR_HTTP_RESPONSE_BODY_SIZE,
} from './semconv.js';
export type { HttpIgnoreRule, HttpInstrumentationOptions, HttpRequestInfo, InstrumentationHandle } from './types.js';
