import { registerGlobals } from '@agentrace/core';
import type { TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createPropagator } from './propagation.js';

/**
 * Registers the provider, the AsyncLocalStorage context manager and the W3C propagators as the
 * process-wide OpenTelemetry globals (through `registerGlobals` of `@agentrace/core`, as the test kit
 * does). Returns a function that unregisters what it registered.
 */
export function installGlobals(provider: TracerProvider): () => void {
  return registerGlobals({
    tracerProvider: provider,
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: createPropagator(),
  }).uninstall;
}
