import { context, propagation, trace, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createPropagator } from './propagation.js';

/**
 * Registers the provider, the AsyncLocalStorage context manager and the W3C propagators as the
 * process-wide OpenTelemetry globals. Shared by `init` and the test kit so both run the same setup.
 * Returns a function that unregisters them again.
 */
export function installGlobals(provider: TracerProvider): () => void {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(createPropagator());
  trace.setGlobalTracerProvider(provider);
  return () => {
    trace.disable();
    propagation.disable();
    context.disable();
    contextManager.disable();
  };
}
