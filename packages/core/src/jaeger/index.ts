export type { JaegerKeyValue, JaegerLog, JaegerProcess, JaegerReference, JaegerSpan, JaegerTrace, JaegerTracesResponse } from './model.js';
export { jaegerTraceToSpans, jaegerTraceToTree, type JaegerFinishedSpan } from './decode.js';
export {
  fetchJaegerTraces,
  jaegerQueryUrl,
  parseJaegerJson,
  DEFAULT_JAEGER_QUERY_URL,
  type FetchJaegerTracesOptions,
} from './client.js';
export {
  jaegerUiUrl,
  jaegerTraceLink,
  jaegerSearchLink,
  jaegerApiUrlForLink,
  DEFAULT_JAEGER_UI_URL,
  type JaegerSearch,
} from './links.js';
