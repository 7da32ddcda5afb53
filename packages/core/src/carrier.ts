import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { acceptInboundContext } from './run-context.js';

/**
 * The active run's trace context and baggage (correlation id, allowlisted run attributes) as a plain
 * object of strings, for a boundary no instrumentation sees: `postMessage` to a worker thread, a
 * child process, a job stored in a database. Uses the registered propagators (W3C trace context and
 * baggage with the tracer's `init()`); empty when none is registered.
 */
export function contextCarrier(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  try {
    propagation.inject(ctx, carrier);
  } catch {
    // A broken propagator must not break the agent: the message simply carries no context.
  }
  return carrier;
}

/**
 * Runs `fn` in the context carried by `carrier` (from `contextCarrier` on the other side), so the
 * spans it starts continue that run, in its trace, with its correlation id; returns what `fn`
 * returns. The carried context replaces the active one: a worker's or listener's own context never
 * leaks in. A missing or malformed carrier runs `fn` outside any run.
 */
export function withContextCarrier<T>(carrier: unknown, fn: () => T): T {
  let ctx = ROOT_CONTEXT;
  if (typeof carrier === 'object' && carrier !== null) {
    try {
      ctx = propagation.extract(ROOT_CONTEXT, carrier as Record<string, unknown>, {
        get: (c, key) => {
          const value = (c as Record<string, unknown>)[key];
          return typeof value === 'string' ? value : undefined;
        },
        keys: (c) => Object.keys(c as object),
      });
      // The app's own carrier, passed by its own code: its run's identity is trusted.
      ctx = acceptInboundContext(ctx, 'carrier');
    } catch {
      ctx = ROOT_CONTEXT;
    }
  }
  return context.with(ctx, fn);
}
