export { agent, run, step, tool, type TracingClassDecorator, type TracingMethodDecorator } from './decorators.js';
export { traced, withSpan } from './traced.js';
export { getRunAttributes, correlationId, currentRun, withRunAttributes, type RunInfo } from './correlation.js';
export { configureDecorators } from './config.js';
export { openSpanCount } from './open-spans.js';
export { serializeValue, capString, type SerializeOptions, type SerializedValue } from './serialize.js';
export {
  createRedactor,
  redactValue,
  defaultRedactor,
  REDACTED,
  type Redactor,
  type RedactOptions,
  type RedactFunction,
} from './redact.js';
export { redactException, type RedactedException } from './redact-error.js';
export {
  configureCapture,
  resetCaptureConfig,
  createCapture,
  sanitizeAttributes,
  type Capture,
  type CaptureSpec,
  type CaptureSettings,
  type CaptureConfig,
  type CaptureKind,
} from './capture.js';
export {
  getLogCorrelation,
  withConsoleCorrelation,
  pinoLogCorrelation,
  winstonLogCorrelation,
  type LogCorrelationFields,
  type ConsoleLike,
  type ConsoleCorrelationOptions,
} from './logging.js';
export type {
  AgentOptions,
  ArgumentsAttributesMapper,
  DecoratorsConfig,
  ExpectedErrorPredicate,
  ResultAttributesMapper,
  RetryPolicy,
  RunOptions,
  ToolOptions,
  TraceOptions,
  TracedOptions,
} from './types.js';
