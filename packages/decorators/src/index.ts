export { agent, run, step, tool, type TracingClassDecorator, type TracingMethodDecorator } from './decorators.js';
export { traced, withSpan } from './traced.js';
export { getRunAttributes, correlationId, currentRun, withRunAttributes, detached, keepRun, type RunInfo } from '@agentrace/core';
export { configureDecorators } from './config.js';
export { createSharedWork, type SharedWork } from './shared-work.js';
export { contextCarrier, withContextCarrier } from '@agentrace/core';
export { openSpanCount } from './open-spans.js';
export { createRedactor, redactValue, type Redactor, type RedactOptions, type RedactFunction } from '@agentrace/core';
export {
  configureCapture,
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
