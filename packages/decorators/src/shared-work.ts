import { detachedContext, recordFailure } from '@agentrace/core';
import { context, SpanKind, trace, type Link, type Span } from '@opentelemetry/api';
import { activeTracer } from './tracer.js';

/** Key of the shared work on its span and on each waiting run's span. */
const ATTR_SHARED_KEY = 'agentrace.shared.key';
/** On a waiting run's span: true when it joined work another run had started. */
const ATTR_SHARED_JOINED = 'agentrace.shared.joined';
/** On the shared span: how many runs waited for it. */
const ATTR_SHARED_WAITERS = 'agentrace.shared.waiters';

/** Work done once for every run that asks for the same key while it is in flight. */
export interface SharedWork {
  /**
   * Runs `fn` for `key` unless work for `key` is already in flight, and returns its result (or its
   * error, the same object) to every caller.
   */
  run<T>(key: string, fn: () => T | PromiseLike<T>): Promise<T>;
  /** Keys in flight now. */
  readonly size: number;
}

interface InFlight {
  key: string;
  promise: Promise<unknown>;
  span: Span | undefined;
  waiters: number;
}

function linkTo(span: Span | undefined): Link[] {
  if (span === undefined) return [];
  const spanContext = span.spanContext();
  return trace.isSpanContextValid(spanContext) ? [{ context: spanContext }] : [];
}

/**
 * Single-flight work shared by concurrent runs (a memoised in-flight request, a DataLoader-style
 * batch): the work runs once, in a span `name` of its own trace (it belongs to no one run), linked to
 * every run that waits for it; each waiting run gets a span `wait <name>` in its own trace, linked to
 * the shared span, that ends when the result arrives. So every run's trace shows what it waited for,
 * and the shared span shows who waited. Keys leave the map as soon as their work settles.
 */
export function createSharedWork(name: string): SharedWork {
  const inFlight = new Map<string, InFlight>();
  return {
    get size() {
      return inFlight.size;
    },
    run<T>(key: string, fn: () => T | PromiseLike<T>): Promise<T> {
      const tracer = activeTracer();
      const callerCtx = context.active();
      const callerSpan = trace.getSpan(callerCtx);
      let entry = inFlight.get(key);
      const joined = entry !== undefined;
      if (entry === undefined) {
        const detached = detachedContext(callerCtx);
        const span = tracer?.startSpan(
          name,
          { kind: SpanKind.INTERNAL, root: true, links: linkTo(callerSpan), attributes: { [ATTR_SHARED_KEY]: key } },
          detached,
        );
        const workCtx = span === undefined ? detached : trace.setSpan(detached, span);
        let promise: Promise<unknown>;
        try {
          promise = Promise.resolve(context.with(workCtx, fn));
        } catch (error) {
          promise = Promise.reject(error);
        }
        const settled: InFlight = { key, promise, span, waiters: 0 };
        entry = settled;
        inFlight.set(key, settled);
        // A side chain that handles both outcomes: the callers' own chains keep the rejection.
        promise.then(
          () => finish(settled, undefined, false),
          (error: unknown) => finish(settled, error, true),
        );
      } else {
        for (const link of linkTo(callerSpan)) entry.span?.addLink(link);
      }
      entry.waiters++;
      const wait = tracer?.startSpan(
        `wait ${name}`,
        { kind: SpanKind.INTERNAL, links: linkTo(entry.span), attributes: { [ATTR_SHARED_KEY]: key, [ATTR_SHARED_JOINED]: joined } },
        callerCtx,
      );
      return entry.promise.then(
        (value) => {
          wait?.end();
          return value as T;
        },
        (error: unknown) => {
          if (wait !== undefined) {
            recordFailure(wait, error);
            wait.end();
          }
          throw error;
        },
      );
    },
  };

  function finish(entry: InFlight, error: unknown, failed: boolean): void {
    if (inFlight.get(entry.key) === entry) inFlight.delete(entry.key);
    if (entry.span === undefined) return;
    entry.span.setAttribute(ATTR_SHARED_WAITERS, entry.waiters);
    if (failed) recordFailure(entry.span, error);
    entry.span.end();
  }
}
