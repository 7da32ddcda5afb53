import { installGlobals } from '@agentrace/tracer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** An in-memory tracing setup for tests: spans are visible as soon as they end. */
export interface TestTracing {
  /** Every span ended since the last reset, in the order they ended. */
  spans(): ReadableSpan[];
  /** Forgets every finished span. */
  reset(): void;
  /** The provider, for code that takes one explicitly. */
  readonly provider: BasicTracerProvider;
  /** Unregisters the globals and shuts the provider down. */
  shutdown(): Promise<void>;
}

/** Registers an in-memory provider as the global one, with the same context manager and propagators as `init`. */
export function setupTracing(): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const uninstall = installGlobals(provider);
  return {
    provider,
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async shutdown() {
      uninstall();
      await provider.shutdown();
    },
  };
}
