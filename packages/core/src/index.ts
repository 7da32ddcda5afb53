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
  setInboundBaggageTrust,
  acceptInboundContext,
  callerAttributes,
  callerAttributeName,
  type InboundBaggageTrust,
  type BaggageTrustRule,
  type InboundSource,
  type CallerClaims,
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
  URL_SECRET_PATTERNS,
  REDACTED,
  REDACTION_FAILED,
  type Redactor,
  type RedactOptions,
  type RedactFunction,
  type PathSegment,
} from './redact.js';
export {
  inboundHeaderGetter,
  filterBaggageHeader,
  headerText,
  sanitizeInboundValue,
  BAGGAGE_MAX_MEMBERS,
  BAGGAGE_MAX_BYTES,
  INBOUND_VALUE_MAX_BYTES,
} from './inbound.js';
export { redactException, type RedactedException } from './redact-error.js';
export { sanitizeAttributes } from './sanitize-attributes.js';
export { errorType, isAbortError, isTimeoutError, recordFailure } from './errors.js';
export { isThenable, whenSettled } from './thenable.js';
export { currentAttempt, withAttempt } from './attempt.js';
export { contextCarrier, withContextCarrier } from './carrier.js';
export { keepRun } from './keep-run.js';
export { createReporter, describeError, type Reporter } from './diagnostics.js';
export { RunAttributesSpanProcessor, type AttributeSettable } from './run-attributes-processor.js';
export { PreciseTimeSpanProcessor } from './precise-time-processor.js';
export { loadedPackageCopies, versionInRanges, type LoadedPackageCopy } from './loaded-packages.js';
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
