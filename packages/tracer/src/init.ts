import { trace } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { describeError } from '@agentrace/core';
import { AgentraceHttpInstrumentation, instrumentHttp } from '@agentrace/instrumentation-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { instrumentQueues } from '@agentrace/instrumentation-queue';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { AccountingBatchProcessor } from './batch-processor.js';
import { AgentraceConfigError, isDiagnosticLogger, resolveConfig } from './config.js';
import { ConsoleTraceProcessor } from './console-trace-processor.js';
import { installDiagnostics, stderrLogger } from './diagnostics.js';
import { installExitHooks, within } from './exit-hooks.js';
import { OtlpHttpExporter } from './otlp-http-exporter.js';
import { installGlobals } from './globals.js';
import { registerEsmHooks } from './esm-hooks.js';
import { alignApiCopies } from './api-copies.js';
import { details, reporter } from './report.js';
import { ReportingExporter, reportedErrors } from './reporting-exporter.js';
import { PreciseTimeSpanProcessor, RunAttributesSpanProcessor, setInboundBaggageTrust } from '@agentrace/core';
import { RedactionSpanProcessor } from './redaction-processor.js';
import { postSpansSync } from './sync-export.js';
import { TailSamplingSpanProcessor } from './tail-sampling-processor.js';
import { WorkerExportProcessor, type ExportPipeline } from './worker-export-processor.js';
import type { ExportStats, ResolvedConfig, TracerHandle, TracerOptions } from './types.js';

let current: TracerHandle | undefined;

function buildSampler(config: ResolvedConfig): Sampler {
  const { sampler, samplerArg } = config;
  if (typeof sampler !== 'string') return sampler;
  switch (sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(samplerArg);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerArg) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function readTlsFiles(files: ResolvedConfig['tlsFiles']): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const [k, path] of Object.entries(files) as [keyof typeof out, string][]) {
    try {
      out[k] = readFileSync(path);
    } catch (error) {
      reporter.warn(`could not read the TLS file ${path}; connecting without it`, error);
    }
  }
  return out;
}

function buildProcessors(config: ResolvedConfig): { all: SpanProcessor[]; batches: ExportPipeline[] } {
  // Precise times first: every later processor sees the span's final start time. Redaction before
  // every exporting processor: they all see the masked span (the OTLP pipeline copies values).
  const all: SpanProcessor[] = [
    new PreciseTimeSpanProcessor(),
    new RunAttributesSpanProcessor(),
    ...(config.redact ? [new RedactionSpanProcessor(config.redact)] : []),
  ];
  const batches: ExportPipeline[] = [];
  for (const choice of config.exporters) {
    if (choice === 'otlp') {
      const tls = readTlsFiles(config.tlsFiles);
      const exportSync = (spans: ReadableSpan[], timeoutMillis: number): boolean =>
        postSpansSync(config.endpoint, config.headers, spans, timeoutMillis, config.protocol);
      // Sends each batch once: the batch processor is the only retry layer.
      const inThread = (): AccountingBatchProcessor =>
        new AccountingBatchProcessor(
          new ReportingExporter(
            new OtlpHttpExporter({
              url: config.endpoint,
              headers: config.headers,
              timeoutMillis: config.batch.exportTimeoutMillis,
              compression: config.compression,
              protocol: config.protocol,
              tls,
            }),
            config.endpoint,
          ),
          { ...config.batch, describeTarget: config.endpoint, exportSync },
        );
      const pipeline: ExportPipeline =
        config.exportThread === 'worker'
          ? new WorkerExportProcessor({
              url: config.endpoint,
              headers: config.headers,
              compression: config.compression,
              protocol: config.protocol,
              tls,
              batch: config.batch,
              fallback: inThread,
              exportSync,
            })
          : inThread();
      batches.push(pipeline);
      all.push(pipeline);
    } else if (choice === 'console') {
      all.push(new ConsoleTraceProcessor(config.console));
    } else if (choice !== 'none' && 'onEnd' in choice) {
      all.push(choice);
    } else if (choice !== 'none') {
      batches.push(new AccountingBatchProcessor(choice, config.batch));
      all.push(batches[batches.length - 1]!);
    }
  }
  return { all, batches };
}

/** Resolved (and reported) by resolveConfig; the SDK's provider reads them again for a default it then discards. */
const SAMPLER_ENV = ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'];

/**
 * Runs `build` with `names` hidden from the environment, so an invalid value is not reported a second
 * time by the SDK. Synchronous: nothing else can observe the change.
 */
function withoutEnv<T>(names: readonly string[], build: () => T): T {
  const saved = names.filter((n) => process.env[n] !== undefined).map((n) => [n, process.env[n]!] as const);
  for (const [n] of saved) delete process.env[n];
  try {
    return build();
  } finally {
    for (const [n, v] of saved) process.env[n] = v;
  }
}

const NO_STATS: ExportStats = {
  exported: 0,
  pending: 0,
  pendingBytes: 0,
  dropped: { queueFull: 0, exportFailed: 0, exportTimeout: 0, shutdown: 0, total: 0 },
  limited: { attributes: 0, events: 0, links: 0 },
  consecutiveFailures: 0,
  failedExports: 0,
};

function sumStats(batches: ExportPipeline[]): ExportStats {
  const total = structuredClone(NO_STATS);
  for (const b of batches) {
    const s = b.stats();
    total.exported += s.exported;
    total.pending += s.pending;
    total.pendingBytes += s.pendingBytes;
    for (const k of Object.keys(total.dropped) as (keyof ExportStats['dropped'])[]) total.dropped[k] += s.dropped[k];
    for (const k of Object.keys(total.limited) as (keyof ExportStats['limited'])[]) total.limited[k] += s.limited[k];
    total.consecutiveFailures = Math.max(total.consecutiveFailures, s.consecutiveFailures);
    total.failedExports += s.failedExports;
  }
  return total;
}

function disabledHandle(config: ResolvedConfig | undefined): TracerHandle {
  const handle: TracerHandle = {
    enabled: false,
    provider: trace.getTracerProvider(),
    config,
    forceFlush: async () => {},
    shutdown: async () => {
      if (current === handle) current = undefined;
    },
    stats: () => structuredClone(NO_STATS),
    waitForCapacity: async () => {},
  };
  return handle;
}

/**
 * Starts tracing for this process: a provider with the AsyncLocalStorage context manager, W3C
 * trace-context and baggage propagation, batched OTLP/HTTP export (to a local Jaeger by default) and
 * the HTTP and queue instrumentations. Options override the `OTEL_*` environment variables, which
 * override the defaults. Never throws (unless `strict`): each invalid value is reported once and
 * replaced by its default, and everything else applies. A second call returns the first handle.
 */
export function init(options: TracerOptions = {}): TracerHandle {
  if (current) {
    reporter.warn('init() was called again; the first configuration stays in force and its handle is returned');
    return current;
  }
  let config: ResolvedConfig;
  try {
    config = resolveConfig(options);
  } catch (error) {
    // Invalid values only throw with strict, which asked for it.
    if (error instanceof AgentraceConfigError) throw error;
    // Options that cannot even be read (a hostile object): report, and trace nothing.
    try {
      stderrLogger.error(`could not read the options, tracing is off: ${describeError(error)}`);
    } catch {
      /* a broken stderr must not break the agent */
    }
    current = disabledHandle(undefined);
    return current;
  }
  installDiagnostics(isDiagnosticLogger(options?.logger) ? options.logger : stderrLogger, config.logLevel);
  for (const problem of config.problems) reporter.warn(problem);
  if (config.disabled) {
    details.info('tracing is disabled (OTEL_SDK_DISABLED or disabled: true)');
    current = disabledHandle(config);
    return current;
  }

  setGlobalErrorHandler((error) => {
    if (typeof error === 'object' && error !== null && reportedErrors.has(error)) return;
    reporter.error('OpenTelemetry SDK error', error);
  });

  const resource = defaultResource().merge(
    resourceFromAttributes({
      'process.pid': process.pid,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
      'host.name': hostname(),
      ...config.resourceAttributes,
    }),
  );
  setInboundBaggageTrust(config.trustInboundBaggage);
  const processors = buildProcessors(config);
  // Tail sampling holds each run's spans in front of the export processors (and redaction); precise
  // times and run attributes are set at start, before it.
  const atStart = (p: SpanProcessor): boolean => p instanceof PreciseTimeSpanProcessor || p instanceof RunAttributesSpanProcessor;
  const tail = config.tailSampling ? new TailSamplingSpanProcessor(processors.all.filter((p) => !atStart(p)), config.tailSampling) : undefined;
  const spanProcessors = tail ? [...processors.all.filter(atStart), tail] : processors.all;
  const provider = withoutEnv(SAMPLER_ENV, () => new NodeTracerProvider({ resource, sampler: buildSampler(config), spanProcessors }));
  const uninstallGlobals = installGlobals(provider);
  registerEsmHooks();
  const disablers: (() => void)[] = [];
  // The export URL is ignored too, for exporters that do not suppress tracing while they export.
  if (config.instrumentations !== undefined) {
    for (const instrumentation of config.instrumentations) {
      // The exporter's own requests are never traced: an HTTP instrumentation of ours is told where they go.
      if (instrumentation instanceof AgentraceHttpInstrumentation && instrumentation.getConfig().exporterUrl === undefined) {
        instrumentation.setConfig({ ...instrumentation.getConfig(), exporterUrl: config.endpoint });
      }
    }
    disablers.push(registerInstrumentations({ instrumentations: config.instrumentations, tracerProvider: provider }));
  } else {
    if (config.http) disablers.push(instrumentHttp({ ...config.http, tracerProvider: provider, exporterUrl: config.endpoint }).disable);
    if (config.queues) disablers.push(instrumentQueues({ ...config.queues, tracerProvider: provider }).disable);
  }
  // Libraries that bring a newer @opentelemetry/api than the one the globals were registered with.
  disablers.push(alignApiCopies(provider));

  let removeExitHooks = (): void => {};
  let stopped: Promise<void> | undefined;
  const handle: TracerHandle = {
    enabled: true,
    provider,
    config,
    async forceFlush() {
      try {
        await provider.forceFlush();
      } catch (error) {
        // A failed export was already explained by the exporter; say only what is new. The provider
        // rejects with the list of its processors' errors.
        const errors: unknown[] = Array.isArray(error) ? error : [error];
        const unreported = errors.filter((e) => typeof e !== 'object' || e === null || !reportedErrors.has(e));
        if (unreported.length) reporter.error('flush failed', unreported.length === 1 ? unreported[0] : unreported.map(describeError).join('; '));
      }
    },
    shutdown() {
      stopped ??= (async () => {
        const startedAt = Date.now();
        await within(config.shutdownTimeoutMillis, () => provider.shutdown());
        // What the asynchronous export could not send is sent synchronously in what is left of the
        // bound (or counted as lost), and the totals are written.
        const left = Math.max(0, startedAt + config.shutdownTimeoutMillis - Date.now());
        for (const b of processors.batches) b.exitNow(left);
        removeExitHooks();
        for (const disable of disablers) {
          try {
            disable();
          } catch {
            /* disabling an instrumentation is best effort */
          }
        }
        uninstallGlobals();
        setInboundBaggageTrust(undefined);
        if (current === handle) current = undefined;
      })();
      return stopped;
    },
    stats: () => (tail ? { ...sumStats(processors.batches), tailSampling: tail.stats() } : sumStats(processors.batches)),
    async waitForCapacity() {
      await Promise.all(processors.batches.map((b) => b.waitForCapacity()));
    },
  };
  if (config.handleExit) {
    removeExitHooks = installExitHooks(
      {
        flush: () => handle.forceFlush(),
        shutdown: () => handle.shutdown(),
        exitNow: (remaining) => {
          // Runs still held are decided first, so the crash's own run reaches the synchronous export.
          tail?.decideAll();
          for (const b of processors.batches) b.exitNow(remaining);
        },
      },
      config.shutdownTimeoutMillis,
    );
  }
  current = handle;
  return handle;
}
