import { diag, trace } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { instrumentHttp } from '@agentrace/instrumentation-http';
import { instrumentQueues } from '@agentrace/instrumentation-queue';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { hostname } from 'node:os';
import { AgentraceConfigError, resolveConfig } from './config.js';
import { ConsoleTraceProcessor } from './console-trace-processor.js';
import { installDiagnostics, stderrLogger } from './diagnostics.js';
import { installExitHooks, within } from './exit-hooks.js';
import { installGlobals } from './globals.js';
import { ReportingExporter, reportedErrors } from './reporting-exporter.js';
import { RunAttributesSpanProcessor } from './run-attributes-processor.js';
import type { ResolvedConfig, TracerHandle, TracerOptions } from './types.js';

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

function buildProcessors(config: ResolvedConfig): SpanProcessor[] {
  const processors: SpanProcessor[] = [new RunAttributesSpanProcessor()];
  for (const choice of config.exporters) {
    if (choice === 'otlp') {
      const exporter = new OTLPTraceExporter({
        url: config.endpoint,
        headers: config.headers,
        timeoutMillis: config.batch.exportTimeoutMillis,
      });
      processors.push(new BatchSpanProcessor(new ReportingExporter(exporter, config.endpoint), config.batch));
    } else if (choice === 'console') {
      processors.push(new ConsoleTraceProcessor(config.console));
    } else if (choice !== 'none' && 'onEnd' in choice) {
      processors.push(choice);
    } else if (choice !== 'none') {
      processors.push(new BatchSpanProcessor(choice, config.batch));
    }
  }
  return processors;
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
  };
  return handle;
}

/**
 * Starts tracing for this process: a provider with the AsyncLocalStorage context manager, W3C
 * trace-context and baggage propagation, batched OTLP/HTTP export (to a local Jaeger by default) and
 * the HTTP and queue instrumentations. Options override the `OTEL_*` environment variables, which
 * override the defaults. Never throws (unless `strict`): invalid options are reported once and give
 * a handle that traces nothing. A second call returns the first handle.
 */
export function init(options: TracerOptions = {}): TracerHandle {
  if (current) {
    diag.warn('agentrace: init() was called again; the first configuration stays in force and its handle is returned');
    return current;
  }
  let config: ResolvedConfig;
  try {
    config = resolveConfig(options);
  } catch (error) {
    if (options?.strict) throw error;
    const message = error instanceof AgentraceConfigError ? error.message : `agentrace: ${String(error)}`;
    const logger = options && typeof options.logger?.error === 'function' ? options.logger : stderrLogger;
    try {
      logger.error(message);
    } catch {
      /* a broken logger must not break the agent */
    }
    current = disabledHandle(undefined);
    return current;
  }
  installDiagnostics(options.logger ?? stderrLogger, config.logLevel);
  if (config.disabled) {
    diag.info('agentrace: tracing is disabled (OTEL_SDK_DISABLED or disabled: true)');
    current = disabledHandle(config);
    return current;
  }

  setGlobalErrorHandler((error) => {
    if (typeof error === 'object' && error !== null && reportedErrors.has(error)) return;
    diag.error('agentrace: OpenTelemetry SDK error:', error);
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
  const provider = new NodeTracerProvider({
    resource,
    sampler: buildSampler(config),
    spanProcessors: buildProcessors(config),
  });
  const uninstallGlobals = installGlobals(provider);
  const disablers: (() => void)[] = [];
  // The export URL is ignored too, for exporters that do not suppress tracing while they export.
  if (config.http) disablers.push(instrumentHttp({ ...config.http, tracerProvider: provider, exporterUrl: config.endpoint }).disable);
  if (config.queues) disablers.push(instrumentQueues({ ...config.queues, tracerProvider: provider }).disable);

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
        if (unreported.length) diag.error('agentrace: flush failed', ...unreported);
      }
    },
    shutdown() {
      stopped ??= (async () => {
        removeExitHooks();
        await within(config.shutdownTimeoutMillis, () => provider.shutdown());
        for (const disable of disablers) {
          try {
            disable();
          } catch {
            /* disabling an instrumentation is best effort */
          }
        }
        uninstallGlobals();
        if (current === handle) current = undefined;
      })();
      return stopped;
    },
  };
  if (config.handleExit) {
    removeExitHooks = installExitHooks(() => handle.forceFlush(), () => handle.shutdown(), config.shutdownTimeoutMillis);
  }
  current = handle;
  return handle;
}
