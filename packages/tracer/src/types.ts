import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { Attributes, TracerProvider } from '@opentelemetry/api';
import type { AgentraceHttpInstrumentationConfig } from '@agentrace/instrumentation-http';
import type { QueueInstrumentationConfig } from '@agentrace/instrumentation-queue';
import type { Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { InboundBaggageTrust } from '@agentrace/core';
import type { RedactionOptions } from './redaction-processor.js';

/** Built-in exporter names, as in `OTEL_TRACES_EXPORTER`. */
export type ExporterName = 'otlp' | 'console' | 'none';

/** Where finished spans go: a built-in name, or your own exporter or processor. */
export type ExporterChoice = ExporterName | SpanExporter | SpanProcessor;

/** Sampler names, as in `OTEL_TRACES_SAMPLER`. */
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/** Compression of export requests, as in `OTEL_EXPORTER_OTLP_COMPRESSION`. */
export type Compression = 'gzip' | 'none';

/** Encoding of OTLP/HTTP export requests, as in `OTEL_EXPORTER_OTLP_PROTOCOL`. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * Where the OTLP export encodes and sends its batches: `'worker'`, a worker thread of its own, or
 * `'main'`, the agent's own thread.
 */
export type ExportThread = 'worker' | 'main';

/** Diagnostic levels, as in `OTEL_LOG_LEVEL`. */
export type LogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

/** Receives agentrace's and the OpenTelemetry SDK's own diagnostics (never the agent's logs). */
export interface DiagnosticLogger {
  error(message: string): void;
  warn(message: string): void;
  info?(message: string): void;
  debug?(message: string): void;
}

/** Batch span processor limits (`OTEL_BSP_*`). */
export interface BatchOptions {
  /**
   * Spans kept waiting for export before new ones are dropped; while exports fail, an eighth of it.
   * Default 262144 (`OTEL_BSP_MAX_QUEUE_SIZE`): a 10,000-run burst, argued in the README (Options) from a measured export burst.
   */
  maxQueueSize?: number;
  /**
   * Estimated bytes of the spans kept waiting (strings plus 1 KiB per span), the bound for large spans;
   * while exports fail, an eighth of it. Default 268435456, 256 MiB (`AGENTRACE_BSP_MAX_QUEUE_BYTES`).
   */
  maxQueueBytes?: number;
  /** Spans per export request (halved while the endpoint answers 413). Default 4096 (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`). */
  maxExportBatchSize?: number;
  /** Milliseconds between two exports. Default 1000 (`OTEL_BSP_SCHEDULE_DELAY`). */
  scheduledDelayMillis?: number;
  /** Milliseconds an export may take before it is abandoned. Default 10000 (`OTEL_BSP_EXPORT_TIMEOUT`). */
  exportTimeoutMillis?: number;
  /**
   * What happens when the queue is full. `'drop'`: new spans are dropped and counted. `'wait'`: the
   * queue takes up to twice `maxQueueSize` and `handle.waitForCapacity()` makes callers that can wait
   * (a worker before taking its next message) wait until it is below `maxQueueSize` again.
   * Default `'drop'` (`AGENTRACE_BSP_OVERFLOW`).
   */
  overflow?: 'drop' | 'wait';
}

/** Spans lost, by cause, since `init`. */
export interface DropCounts {
  /**
   * No room in the queue: refused when they ended, or a batch that failed for a transient reason found
   * no room to wait for its retry (export slower than the agent, or the endpoint down for long).
   */
  queueFull: number;
  /** Abandoned because the endpoint refused them for good (a 4xx other than 408/429, or an unknown error). */
  exportFailed: number;
  /** Abandoned because the export did not answer within `exportTimeoutMillis` (they may have arrived). */
  exportTimeout: number;
  /** Still queued or in flight when the process ended and the final export could not send them. */
  shutdown: number;
  /** The sum of the above. */
  total: number;
}

/** What the tracer's export did since `init`, read with `handle.stats()`. */
export interface ExportStats {
  /** Spans the endpoint accepted. */
  exported: number;
  /** Spans waiting for export now (in flight included). */
  pending: number;
  /** Estimated bytes of the spans queued now (in flight excluded). */
  pendingBytes: number;
  /** Spans lost, by cause. */
  dropped: DropCounts;
  /** Attributes, events and links the SDK's span limits cut from spans that were kept. */
  limited: { attributes: number; events: number; links: number };
  /** Consecutive failed exports (0 when the last one succeeded); retries back off while it grows. */
  consecutiveFailures: number;
  /** Failed export requests since start (one per request: the OTLP exporter does not retry on its own). */
  failedExports: number;
  /** The tail sampler's decisions; present when tail sampling is on. */
  tailSampling?: TailSamplingStats;
}

/**
 * Run-level tail sampling: each run's spans are held until its root span ends, then the whole run is
 * exported or dropped. See the README, "Tail sampling".
 */
export interface TailSamplingOptions {
  /** Probability of keeping a run that has no reason to be kept, 0 to 1 (by trace id). Default 0.1. */
  ratio?: number;
  /** A run whose root span took at least this many ms is kept. Default 10000. */
  slowRunMillis?: number;
  /** Spans held for one run; a run that reaches it is decided then, on what it showed so far. Default 4096. */
  maxSpansPerRun?: number;
  /** Spans held for all undecided runs together; past it the oldest runs are decided early. Default 65536. */
  maxHeldSpans?: number;
  /** A run held this long without its root ending is decided early. Default 300000 (5 minutes). */
  maxHoldMillis?: number;
}

/** Why a run was kept: the first that applies, in this order. `unfinished`: still open when tracing stopped. */
export type TailKeepReason = 'failed' | 'slow' | 'staleWrite' | 'retry' | 'flagged' | 'sampled' | 'unfinished';

/** What the tail sampler decided since `init`, in `handle.stats().tailSampling`. */
export interface TailSamplingStats {
  /** Runs decided. */
  decided: number;
  /** Runs kept, each counted once, by the first reason that applied. */
  kept: Record<TailKeepReason, number> & { total: number };
  /** Runs dropped. */
  dropped: number;
  /**
   * Runs decided before their root span ended: past `maxSpansPerRun` (`runBudget`), pushed out by
   * `maxHeldSpans` (`heldBudget`), held past `maxHoldMillis` (`age`), or still open at shutdown or exit.
   */
  decidedEarly: { runBudget: number; heldBudget: number; age: number; shutdown: number; total: number };
  /** Ended spans passed on to export, and ended spans dropped with their run (spans ending after the decision included). */
  spans: { kept: number; dropped: number };
  /** Runs waiting for a decision now, and the spans they hold. */
  heldRuns: number;
  heldSpans: number;
}

/** Options of the console exporter. */
export interface ConsoleExporterOptions {
  /** Where the printed trees go. Default: `process.stdout`. */
  write?: (text: string) => void;
  /** Attribute keys printed on each span line, or `'all'`. Default: a short list of telling ones. */
  attributes?: readonly string[] | 'all' | 'none';
}

/**
 * Options of {@link init}. Each one overrides its environment variable, which overrides the default.
 */
export interface TracerOptions {
  /** `service.name` of this process. Default: `OTEL_SERVICE_NAME`, else `unknown_service:node`. */
  serviceName?: string;
  /** `service.version`. Default: `service.version` in `OTEL_RESOURCE_ATTRIBUTES`, else `npm_package_version` (npm and pnpm scripts set it), else the `version` of the package.json nearest the entry script. */
  serviceVersion?: string;
  /** `deployment.environment.name`. Default: from `OTEL_RESOURCE_ATTRIBUTES`, else unset. */
  environment?: string;
  /** More resource attributes, merged over `OTEL_RESOURCE_ATTRIBUTES`. Default: none. */
  resourceAttributes?: Attributes;
  /**
   * Full OTLP/HTTP traces URL. Default: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces` (a local Jaeger).
   */
  endpoint?: string;
  /** Headers sent with each export. Default: `OTEL_EXPORTER_OTLP_HEADERS` overlaid with `OTEL_EXPORTER_OTLP_TRACES_HEADERS`. */
  headers?: Record<string, string>;
  /**
   * Compression of OTLP export requests. Default: `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`, else
   * `OTEL_EXPORTER_OTLP_COMPRESSION`, else `'none'`.
   */
  compression?: Compression;
  /**
   * Encoding of OTLP export requests. Default: `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else
   * `OTEL_EXPORTER_OTLP_PROTOCOL`, else `'http/protobuf'` (the OTLP specification's default). `grpc` is
   * not supported and is reported.
   */
  protocol?: OtlpProtocol;
  /**
   * Where the OTLP export encodes and sends: `'worker'` (a worker thread, off the agent's event loop)
   * or `'main'` (the agent's thread). Default: `AGENTRACE_EXPORT_THREAD`, else `'worker'`; when a
   * worker cannot be started (a bundle without the worker file), `'main'`, and that is reported once.
   */
  exportThread?: ExportThread;
  /** Where spans go; several at once with an array. Default: `OTEL_TRACES_EXPORTER` (comma list), else `'otlp'`. */
  exporter?: ExporterChoice | readonly ExporterChoice[];
  /** The sampler, by name or instance. Default: `OTEL_TRACES_SAMPLER`, else `'parentbased_always_on'`. */
  sampler?: SamplerName | Sampler;
  /** Ratio for the `*traceidratio` samplers, 0 to 1. Default: `OTEL_TRACES_SAMPLER_ARG`, else 1. */
  samplerArg?: number;
  /**
   * Run-level tail sampling: `true` (defaults), options, or `false`. Default: on with
   * `OTEL_TRACES_SAMPLER=agentrace_tail` (options from `OTEL_TRACES_SAMPLER_ARG`: a ratio, or
   * `ratio=0.05,slowRunMillis=5000,...`), else off.
   */
  tailSampling?: boolean | TailSamplingOptions;
  /** Batch limits of the OTLP export. Default: see {@link BatchOptions}. */
  batch?: BatchOptions;
  /** Options of the console exporter, when it is chosen. */
  console?: ConsoleExporterOptions;
  /** Turns tracing off entirely (a no-op handle). Default: `OTEL_SDK_DISABLED` is `true`, else false. */
  disabled?: boolean;
  /** Longest wait for the final export at exit or on a signal, in ms. Default 5000 (`AGENTRACE_SHUTDOWN_TIMEOUT`). */
  shutdownTimeoutMillis?: number;
  /** Flush on SIGTERM, SIGINT and normal exit. Default true. */
  handleExit?: boolean;
  /** Receiver of diagnostics. Default: standard error, each distinct problem at most once a minute. */
  logger?: DiagnosticLogger;
  /** Lowest diagnostic level reported. Default: `OTEL_LOG_LEVEL`, else `'warn'`. */
  logLevel?: LogLevel;
  /** Outgoing and incoming HTTP spans: `false` to turn off, or options. Default: on. */
  http?: boolean | AgentraceHttpInstrumentationConfig;
  /** Queue and messaging clients (BullMQ, RabbitMQ, ioredis listeners): `false` to turn off, or options. Default: on. */
  queues?: boolean | QueueInstrumentationConfig;
  /**
   * The instrumentations to register with the provider: any OpenTelemetry instrumentation, agentrace's
   * classes (`AgentraceHttpInstrumentation`, `BullMQInstrumentation`, `AmqplibInstrumentation`,
   * `InProcessQueueInstrumentation`, `IORedisInstrumentation`) or the official ones. Replaces the default list, so `http` and
   * `queues` then do nothing. Default: agentrace's HTTP and queue instrumentations, configured by `http`
   * and `queues`.
   */
  instrumentations?: Instrumentation[];
  /**
   * The redaction step every span goes through before export, whoever set its attributes (your code,
   * agentrace, other instrumentations): `false` to turn it off, or rules (`RedactionOptions`: the
   * `RedactOptions` of `@agentrace/core` plus `urls`). Default: on, with the built-in rules and URL secrets.
   */
  redact?: boolean | RedactionOptions;
  /**
   * Which remote sources may set the run's identity (correlation id, `user.id`, `tenant.id`,
   * `session.id`, ...) through incoming baggage: `true` all, or per source (`InboundBaggageTrust` of
   * `@agentrace/core`). Default: HTTP callers none, messages the correlation id only; what is not
   * trusted is recorded as `agentrace.caller.<key>` on the span that received it.
   */
  trustInboundBaggage?: boolean | InboundBaggageTrust;
  /**
   * Make `init` throw an `AgentraceConfigError` listing every invalid option or environment value,
   * instead of reporting each once and using its default. Default: `AGENTRACE_STRICT_CONFIG` is
   * `true`, else false.
   */
  strict?: boolean;
}

/** What {@link init} returns. */
export interface TracerHandle {
  /** False when tracing is off: disabled, or the options could not be read at all. */
  readonly enabled: boolean;
  /** The registered provider (a no-op one when not enabled). */
  readonly provider: TracerProvider;
  /** The configuration in force, after options, environment and defaults were combined. */
  readonly config: ResolvedConfig | undefined;
  /** Exports every span ended so far. Never rejects. */
  forceFlush(): Promise<void>;
  /** Exports what is left and stops tracing; waits at most `shutdownTimeoutMillis`. Never rejects. */
  shutdown(): Promise<void>;
  /** Spans exported, pending and dropped by cause, summed over the batch exports of this tracer. */
  stats(): ExportStats;
  /**
   * Resolves when the export queue has room (immediately unless `batch.overflow` is `'wait'` and the
   * queue is at `maxQueueSize`). Await it where the agent can wait, e.g. before taking the next message.
   */
  waitForCapacity(): Promise<void>;
}

/** The configuration in force: every option with its final value. */
export interface ResolvedConfig {
  serviceName: string;
  resourceAttributes: Attributes;
  endpoint: string;
  headers: Record<string, string>;
  compression: Compression;
  protocol: OtlpProtocol;
  exportThread: ExportThread;
  /**
   * Paths of the TLS files for an https endpoint, from `OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE`,
   * `..._CLIENT_CERTIFICATE` and `..._CLIENT_KEY`: the CA to trust, and the client certificate and key.
   */
  tlsFiles: { ca?: string; cert?: string; key?: string };
  exporters: ExporterChoice[];
  sampler: SamplerName | Sampler;
  samplerArg: number;
  /** Tail sampling's options, or false when it is off. */
  tailSampling: false | Required<TailSamplingOptions>;
  batch: Required<BatchOptions>;
  console: ConsoleExporterOptions;
  disabled: boolean;
  shutdownTimeoutMillis: number;
  handleExit: boolean;
  logLevel: LogLevel;
  http: false | AgentraceHttpInstrumentationConfig;
  queues: false | QueueInstrumentationConfig;
  /** The user's instrumentations, or undefined for agentrace's own. */
  instrumentations: Instrumentation[] | undefined;
  /** The redaction rules every span goes through, or false. */
  redact: false | RedactionOptions;
  /** Incoming baggage trust, as given (undefined: the defaults). */
  trustInboundBaggage: boolean | InboundBaggageTrust | undefined;
  strict: boolean;
  /** Each invalid value given, with what was used instead (reported once by `init`); empty when all were valid. */
  problems: readonly string[];
}
