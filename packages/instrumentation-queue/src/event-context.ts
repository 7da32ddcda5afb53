// Where the listeners of a long-lived client run. Its events come from its socket or its loop, and those
// run in the context the client was created in: the first run that needed it, for ever after (Node's
// rule for async resources). Each client file wraps its emitters' `emit` with `wrapEmit` and says, per
// event, which context the listeners get instead: none of a run (`outsideRuns`), the context the event
// itself carries (a returned message's headers), or the one already active (an event fired by the app's
// own call, or inside the message it is about).
import { type Context, context, propagation, trace } from '@opentelemetry/api';
import { detachedContext, scopeOf } from '@agentrace/core';
import { reporter } from './diagnostics.js';

type Fn = (this: any, ...args: any[]) => any;

/**
 * Picks the context the listeners of one event run in: `active` to leave the event as it is, or another.
 * Called on every emit of a wrapped emitter, so it must be cheap; a throw (a hostile argument it read)
 * is reported once and the event is left as it is.
 */
export type EventContextPicker = (emitter: any, event: unknown, firstArg: unknown, active: Context) => Context;

/**
 * The detached form of each context seen: the events of one client all come from one context (the one
 * it was created in), so they share one detached context instead of three copies per event.
 */
const detachedOf = new WeakMap<Context, Context>();

/**
 * `ctx` without span, baggage or run scope (core's `detachedContext`); `ctx` itself when it has none of
 * them, so an emitter created outside any run costs nothing.
 */
export function outsideRuns(ctx: Context): Context {
  if (trace.getSpan(ctx) === undefined && propagation.getBaggage(ctx) === undefined && scopeOf(ctx) === undefined) return ctx;
  let detached = detachedOf.get(ctx);
  if (detached === undefined) {
    detached = detachedContext(ctx);
    detachedOf.set(ctx, detached);
  }
  return detached;
}

/** A picker for emitters none of whose events belong to a run: every listener runs outside any run. */
export function alwaysOutsideRuns(_emitter: unknown, _event: unknown, _firstArg: unknown, active: Context): Context {
  return outsideRuns(active);
}

/**
 * `emit` of an EventEmitter class, with its listeners run in the context `pick` chooses. Synchronous like
 * the original, which it calls with the same `this` and arguments: the same listeners in the same order,
 * the same return value, the same thrown error.
 */
export function wrapEmit(original: Fn, client: string, pick: EventContextPicker): Fn {
  return function emit(this: unknown) {
    const active = context.active();
    let ctx: Context;
    try {
      ctx = pick(this, arguments[0], arguments[1], active);
    } catch (error) {
      reporter.errorOnce(`${client}:emit`, `could not read an event of a ${client} client; its listeners run where the library runs them`, error);
      ctx = active;
    }
    if (ctx === active) return original.apply(this, arguments as unknown as unknown[]);
    const args = arguments;
    return context.with(ctx, () => original.apply(this, args as unknown as unknown[]));
  };
}
