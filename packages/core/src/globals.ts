import { context, propagation, trace, type ContextManager, type TextMapPropagator, type TracerProvider } from '@opentelemetry/api';

/** What {@link registerGlobals} registers; the SDK pieces are the caller's choice. */
export interface GlobalsToRegister {
  /** Becomes the global tracer provider. */
  tracerProvider: TracerProvider;
  /** Becomes the global context manager; enabled here. */
  contextManager: ContextManager;
  /** Becomes the global propagator. */
  propagator: TextMapPropagator;
}

/** The outcome of {@link registerGlobals}. */
export interface RegisteredGlobals {
  /**
   * Whether the provider became the global one. The API keeps the first registration of each global,
   * so false means another setup owns them and spans will go there.
   */
  readonly providerRegistered: boolean;
  /** Unregisters what this call registered (and nothing another setup registered). Safe to call twice. */
  uninstall(): void;
}

/**
 * Registers a tracer provider, context manager and propagator as the process-wide OpenTelemetry
 * globals, through `@opentelemetry/api` only, and returns how to take them down again.
 */
export function registerGlobals({ tracerProvider, contextManager, propagator }: GlobalsToRegister): RegisteredGlobals {
  contextManager.enable();
  const contextRegistered = context.setGlobalContextManager(contextManager);
  if (!contextRegistered) contextManager.disable();
  const propagatorRegistered = propagation.setGlobalPropagator(propagator);
  const providerRegistered = trace.setGlobalTracerProvider(tracerProvider);
  let installed = true;
  return {
    providerRegistered,
    uninstall() {
      if (!installed) return;
      installed = false;
      if (providerRegistered) trace.disable();
      if (propagatorRegistered) propagation.disable();
      // Also disables the manager.
      if (contextRegistered) context.disable();
    },
  };
}
