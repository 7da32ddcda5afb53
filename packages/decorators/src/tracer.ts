import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';

const TRACER_NAME = '@agentrace/decorators';
const TRACER_VERSION = '0.1.0';

// A fresh proxy with no delegate hands out the API's no-op provider singleton: comparing against it is
// how a call learns, for the price of two property reads, that nobody registered a provider.
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

let lastProvider: TracerProvider | undefined;
let lastTracer: Tracer | undefined;

/**
 * The tracer of the registered provider, or undefined when none is registered (the fast path).
 * Looked up per call but cached per provider, so re-registering a provider (tests) is picked up.
 */
export function activeTracer(): Tracer | undefined {
  const global = trace.getTracerProvider();
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  if (provider !== lastProvider) {
    lastProvider = provider;
    lastTracer = provider === NOOP_PROVIDER ? undefined : provider.getTracer(TRACER_NAME, TRACER_VERSION);
  }
  return lastTracer;
}
