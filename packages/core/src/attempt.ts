import { context, createContextKey, type Context } from '@opentelemetry/api';

// The retry attempt a piece of work runs in, so what it records (a stale write, say) can say which
// attempt hit it without reading its span's attributes, which the API cannot.
const ATTEMPT_KEY = createContextKey('agentrace.retry.attempt');

/** `ctx` with `attempt` (1-based) as the current retry attempt. */
export function withAttempt(ctx: Context, attempt: number): Context {
  return ctx.setValue(ATTEMPT_KEY, attempt);
}

/** The retry attempt (1-based) the work in `ctx` runs in: 1 outside a retried call. */
export function currentAttempt(ctx: Context = context.active()): number {
  const attempt = ctx.getValue(ATTEMPT_KEY);
  return typeof attempt === 'number' ? attempt : 1;
}
