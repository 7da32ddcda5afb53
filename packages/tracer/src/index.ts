export { init } from './init.js';
export { AgentraceConfigError, resolveConfig } from './config.js';
export { AccountingBatchProcessor, type AccountingBatchOptions } from './batch-processor.js';
export { ConsoleTraceProcessor } from './console-trace-processor.js';
export { OtlpHttpExporter, OtlpHttpError, type OtlpHttpExporterOptions } from './otlp-http-exporter.js';
export { RunAttributesSpanProcessor } from '@agentrace/core';
export { installGlobals } from './globals.js';
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
  TracerHandle,
  TracerOptions,
} from './types.js';
