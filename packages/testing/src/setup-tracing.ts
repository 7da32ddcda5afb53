import { buildTraceTrees, PreciseTimeSpanProcessor, registerGlobals, RunAttributesSpanProcessor, type TraceTree } from '@agentrace/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { registerAutoReset, unregisterAutoReset } from './auto-reset.js';
import { LogicalClock, SequentialIdGenerator } from './deterministic.js';
import { OpenSpanTracker } from './open-spans.js';
import type { SetupTracingOptions } from './types.js';

/** An in-memory tracing setup for tests: spans are visible as soon as they end. */
export interface TestTracing {
  /** Every span ended since the last reset, in the order they ended. */
  spans(): ReadableSpan[];
  /** Spans started since the last reset and not ended yet, in the order they started. */
  openSpans(): ReadableSpan[];
  /** The finished spans as trace trees, in the order the traces started. */
  traces(): TraceTree[];
  /** Forgets every finished and open span (and restarts deterministic ids). */
  reset(): void;
  /** The provider, for code that takes one explicitly. */
  readonly provider: BasicTracerProvider;
  /** Unregisters the globals and shuts the provider down. Safe to call twice. */
  shutdown(): Promise<void>;
}

/**
 * Registers an in-memory provider as the global one, with the same context manager, propagators and
 * run-attributes processor as `init`, and a synchronous processor so each span is visible when it ends.
 */
export function setupTracing({
  serviceName = 'agentrace-test',
  deterministicIds = false,
  deterministicTimestamps = false,
  autoReset = true,
  runAttributes = true,
  spanProcessors = [],
}: SetupTracingOptions = {}): TestTracing {
  const exporter = new InMemorySpanExporter();
  const tracker = new OpenSpanTracker();
  const ids = deterministicIds ? new SequentialIdGenerator() : undefined;
  const clock = deterministicTimestamps ? new LogicalClock() : undefined;
  // Sub-millisecond times as the tracer's `init()` gives them (the logical clock overrides them).
  const processors: SpanProcessor[] = [new PreciseTimeSpanProcessor()];
  // Run attributes go first so every later processor (and the exporter) sees them.
  if (runAttributes) processors.push(new RunAttributesSpanProcessor());
  // The clock ticks before the exporter runs, so a span's end is known when it is read.
  if (clock) processors.push(clock);
  processors.push(tracker, new SimpleSpanProcessor(exporter), ...spanProcessors);
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': serviceName })),
    spanProcessors: processors,
    ...(ids ? { idGenerator: ids } : {}),
  });
  // The same globals as the tracer's `init()`: AsyncLocalStorage context, W3C trace context and baggage.
  const globals = registerGlobals({
    tracerProvider: provider,
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  });
  if (!globals.providerRegistered) {
    // The API keeps the first registration, so spans would silently go elsewhere. Take back only what
    // this call registered (the other setup's globals stay) and say what to do.
    globals.uninstall();
    void provider.shutdown();
    throw new Error(
      'setupTracing(): another tracer provider is already registered globally (by init() or a setupTracing() not shut down). ' +
        'Call its shutdown() first; use one setup per test file.',
    );
  }
  let shutDown: Promise<void> | undefined;

  const spans = (): ReadableSpan[] => {
    const finished = exporter.getFinishedSpans();
    return clock ? clock.view(finished) : [...finished];
  };
  const tracing: TestTracing = {
    provider,
    spans,
    openSpans: () => tracker.spans(),
    traces: () => buildTraceTrees(spans()),
    reset() {
      exporter.reset();
      tracker.clear();
      ids?.restart();
      clock?.restart();
    },
    shutdown() {
      shutDown ??= (async () => {
        unregisterAutoReset(tracing);
        globals.uninstall();
        await provider.shutdown();
      })();
      return shutDown;
    },
  };
  if (autoReset) registerAutoReset(tracing);
  return tracing;
}
