export { init } from './init.js';
export { AgentraceConfigError, resolveConfig } from './config.js';
export { AccountingBatchProcessor, type AccountingBatchOptions } from './batch-processor.js';
export { ConsoleTraceProcessor } from './console-trace-processor.js';
export { TailSamplingSpanProcessor, TAIL_SAMPLING_DEFAULTS } from './tail-sampling-processor.js';
export { OtlpHttpExporter, OtlpHttpError, type OtlpHttpExporterOptions } from './otlp-http-exporter.js';
export { PreciseTimeSpanProcessor, RunAttributesSpanProcessor, keepRun } from '@agentrace/core';
export { installGlobals } from './globals.js';
export { RedactionSpanProcessor, type RedactionOptions } from './redaction-processor.js';
export type {
  BatchOptions,
  Compression,
  ExportThread,
  OtlpProtocol,
  ConsoleExporterOptions,
  DiagnosticLogger,
  DropCounts,
  ExportStats,
  ExporterChoice,
  ExporterName,
  LogLevel,
  ResolvedConfig,
  SamplerName,
  TailKeepReason,
  TailSamplingOptions,
  TailSamplingStats,
  TracerHandle,
  TracerOptions,
} from './types.js';
// Links a run's log line can print into the Jaeger UI (configured by AGENTRACE_JAEGER_UI).
export { jaegerSearchLink, jaegerTraceLink, jaegerUiUrl, type JaegerSearch } from '@agentrace/core/jaeger';
