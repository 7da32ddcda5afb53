export { setupTracing, type TestTracing } from './setup-tracing.js';
export { findSpan, findSpans, groupSpansByTrace, spansOfRun } from './queries.js';
export { findNode, findNodes, getRunTree, getTraceTree, getTraceTrees, printTraces, traceTreeNodes } from './queries.js';
export {
  assertAllSpansEnded,
  assertExceptionEvent,
  assertNoCrossRunSpans,
  assertNoOrphans,
  assertSpansInTheirRuns,
  assertTraceShape,
  TraceAssertionError,
  type ErrorType,
} from './assertions.js';
export { compareTraceShape, type ShapeComparison } from './shape.js';
export { fetchJaegerTrace, jaegerTraceToSpans, waitForTrace } from './jaeger.js';
export { otlpTracesEndpoint } from './env.js';
export { runProcess } from './run-process.js';
export { jaegerQueryUrl, jaegerTraceToTree, type JaegerKeyValue, type JaegerSpan, type JaegerTrace } from '@agentrace/core/jaeger';
export { captureDiagnostics } from './capture-diagnostics.js';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
export { decodeTraceRequest } from './otlp-protobuf.js';
export {
  buildTraceTrees,
  formatTraceTree,
  type FormatTraceTreeOptions,
  type TraceSpanKind,
  type TraceTree,
  type TraceTreeEvent,
  type TraceTreeNode,
} from '@agentrace/core';
export type {
  CaptureDiagnosticsOptions,
  CapturedDiagnostic,
  DiagnosticsCapture,
  ExceptionEventOptions,
  NoCrossRunOptions,
  SpansInTheirRunsOptions,
  NoOrphansOptions,
  ProcessResult,
  RemoteParentOptions,
  RunProcessOptions,
  SetupTracingOptions,
  SpanQuery,
  SpanShape,
  SpanShapeObject,
  SpanSource,
  StatusShape,
  TraceShape,
  TraceShapeOptions,
  TraceSource,
  WaitForTraceOptions,
} from './types.js';
export { createHostileProbe, hostileValues, type HostileProbe, type HostileValue } from './hostile-values.js';
export { seededRandom } from './deterministic.js';
export { remoteParentContext } from './remote-parent.js';
export { printedJaegerLinks, readabilityProblems, runExample, tracesBehindLink, type ExampleRun } from './readable-traces.js';
