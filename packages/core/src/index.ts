export {
  getRunAttributes,
  getGenAiRunAttributes,
  isGenAiOperation,
  correlationId,
  currentRun,
  withRunAttributes,
  generateCorrelationId,
  scopeOf,
  deriveScope,
  enterScope,
  isInEndedRun,
  detachedContext,
  detached,
  setBaggageAllowlist,
  getBaggageAllowlist,
  DEFAULT_BAGGAGE_ALLOWLIST,
  type RunInfo,
  type RunScope,
  type RunLifetime,
} from './run-context.js';
export {
  serializeValue,
  serializeResolved,
  resolveSerializeOptions,
  capString,
  utf8Length,
  toWellFormed,
  enumerableKeys,
  SERIALIZE_DEFAULTS,
  type SerializeOptions,
  type SerializedValue,
  type ResolvedSerializeOptions,
} from './serialize.js';
export {
  createRedactor,
  redactValue,
  defaultRedactor,
  toRedactor,
  isDefaultSecretKey,
  DEFAULT_SECRET_PATTERNS,
  REDACTED,
  REDACTION_FAILED,
  type Redactor,
  type RedactOptions,
  type RedactFunction,
  type PathSegment,
} from './redact.js';
export { redactException, type RedactedException } from './redact-error.js';
export { sanitizeAttributes } from './sanitize-attributes.js';
export { errorType, isAbortError, isTimeoutError, recordFailure } from './errors.js';
export { isThenable, whenSettled } from './thenable.js';
export { contextCarrier, withContextCarrier } from './carrier.js';
export { createReporter, describeError, type Reporter } from './diagnostics.js';
export { RunAttributesSpanProcessor, type AttributeSettable } from './run-attributes-processor.js';
export { registerGlobals, type GlobalsToRegister, type RegisteredGlobals } from './globals.js';
export {
  buildTraceTrees,
  formatTraceTree,
  type FinishedSpanLike,
  type FormatTraceTreeOptions,
  type TraceSpanKind,
  type TraceTree,
  type TraceTreeEvent,
  type TraceTreeNode,
} from './trace-tree.js';
export * from './semconv.js';
