// How a span ends for each function shape: when the work ends (promise settles, iterator finishes,
// stream ends/errors/is cancelled), not when the call returns. Streams are passed through lazily: a
// chunk is only pulled when the consumer asks, nothing is buffered or tee'd.
import { context } from '@opentelemetry/api';
import type { Call } from './call.js';

type AnyIterator = { next: (...a: any[]) => any; return?: (...a: any[]) => any; throw?: (...a: any[]) => any };

/** Ends `call` from a sync call's return value, or hands the value to a wrapper that ends it later. */
export function settleResult(result: unknown, call: Call): unknown {
  if (typeof result !== 'object' && typeof result !== 'function') {
    call.ok(result);
    return result;
  }
  if (result === null) {
    call.ok(result);
    return result;
  }
  // A plain native promise can be replaced by a chained one; a Promise subclass (an SDK's promise with
  // extra methods) or another thenable must come back as the same object, so its `then` is observed.
  try {
    if (result instanceof Promise && result.constructor === Promise) return chainPromise(result, call);
    if (typeof (result as { then?: unknown }).then === 'function') return traceThenable(result as PromiseLike<unknown>, call);
  } catch {
    // A revoked proxy or a throwing `then` getter: the caller gets the value untouched, as without us.
    call.ok(result);
    return result;
  }
  return settleValue(result, call);
}

/** The value of a settled call: a stream or iterator keeps the span open until it ends. */
export function settleValue(value: unknown, call: Call): unknown {
  if (typeof value === 'object' && value !== null) {
    try {
      return settleObject(value, call);
    } catch {
      // Probing the shape hit a revoked proxy or a throwing getter: nothing is wrapped.
      call.ok(value);
      return value;
    }
  }
  call.ok(value);
  return value;
}

function settleObject(value: object, call: Call): unknown {
  if (isNodeReadable(value)) return traceNodeReadable(value, call);
  if (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream) return traceWebStream(value, call);
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object Generator]') return traceIterator(value as AnyIterator, call, false);
  if (tag === '[object AsyncGenerator]') return traceIterator(value as AnyIterator, call, true);
  if (typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function') {
    return traceAsyncIterable(value as AsyncIterable<unknown>, call);
  }
  call.ok(value);
  return value;
}

/** A promise that settles like `promise` (same value, same rejection object) after the span ends. */
export function chainPromise(promise: Promise<unknown>, call: Call): Promise<unknown> {
  return promise.then(
    (value) => settleValue(value, call),
    (error: unknown) => {
      call.fail(error);
      throw error;
    },
  );
}

function define(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

/**
 * A thenable that is not a plain native promise (a query builder, a lazy client call, an SDK's Promise
 * subclass) may only run when awaited and may have members of its own, so it is not touched until its
 * consumer calls `then`, and the same object is returned.
 */
function traceThenable(thenable: PromiseLike<unknown>, call: Call): unknown {
  if (!Object.isExtensible(thenable)) {
    call.ok(thenable);
    return thenable;
  }
  const original = thenable.then;
  define(thenable, 'then', function (this: unknown, onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) {
    call.pending++;
    return original.call(
      this,
      (value: unknown) => {
        call.pending--;
        const out = settleValue(value, call);
        return typeof onFulfilled === 'function' ? onFulfilled(out) : out;
      },
      (error: unknown) => {
        call.pending--;
        call.fail(error);
        if (typeof onRejected === 'function') return onRejected(error);
        throw error;
      },
    );
  });
  call.watchIdle();
  return thenable;
}

/**
 * Wraps a (sync or async) iterator in place: `next`/`return`/`throw` become own properties that run the
 * original in the call's context and end the span when it finishes. The object keeps its identity and
 * prototype, so `instanceof` and any extra members still work.
 */
export function traceIterator(iterator: AnyIterator, call: Call, isAsync: boolean): unknown {
  const target: AnyIterator = Object.isExtensible(iterator) ? iterator : Object.create(iterator as object);
  const next = iterator.next;
  const ret = iterator.return;
  const thr = iterator.throw;
  const ctx = call.ctx;
  const step = isAsync
    ? (method: (...a: unknown[]) => unknown, args: unknown[], isReturn: boolean): unknown => {
        call.pending++;
        let pending: unknown;
        try {
          pending = context.with(ctx, () => method.apply(iterator, args));
        } catch (error) {
          call.pending--;
          call.fail(error);
          throw error;
        }
        return Promise.resolve(pending).then(
          (result) => {
            call.pending--;
            onResult(result as IteratorResult<unknown>, isReturn);
            return result;
          },
          (error: unknown) => {
            call.pending--;
            call.fail(error);
            throw error;
          },
        );
      }
    : (method: (...a: unknown[]) => unknown, args: unknown[], isReturn: boolean): unknown => {
        let result: unknown;
        try {
          result = context.with(ctx, () => method.apply(iterator, args));
        } catch (error) {
          call.fail(error);
          throw error;
        }
        onResult(result as IteratorResult<unknown>, isReturn);
        return result;
      };
  function onResult(result: IteratorResult<unknown> | undefined, isReturn: boolean): void {
    if (result?.done === true || isReturn) call.ok(result?.value);
    else call.chunk();
  }
  define(target, 'next', (...args: unknown[]) => step(next, args, false));
  if (typeof ret === 'function') define(target, 'return', (...args: unknown[]) => step(ret, args, true));
  if (typeof thr === 'function') define(target, 'throw', (...args: unknown[]) => step(thr, args, false));
  call.watchIdle();
  return target;
}

/** An async iterable that is not a generator (an SDK's stream object): its first iterator is traced. */
function traceAsyncIterable(iterable: AsyncIterable<unknown>, call: Call): unknown {
  if (!Object.isExtensible(iterable)) {
    call.ok(iterable);
    return iterable;
  }
  const original = iterable[Symbol.asyncIterator];
  let traced = false;
  define(iterable, Symbol.asyncIterator, function (this: unknown) {
    const iterator = original.call(this) as unknown as AnyIterator;
    if (traced || call.ended) return iterator;
    traced = true;
    return traceIterator(iterator, call, true);
  });
  call.watchIdle();
  return iterable;
}

interface NodeReadableLike {
  emit(event: string | symbol, ...args: unknown[]): boolean;
  pipe: unknown;
  read: unknown;
  readableEnded?: boolean;
  errored?: unknown;
  _readableState: unknown;
}

function isNodeReadable(value: object): value is NodeReadableLike {
  const v = value as Partial<NodeReadableLike>;
  return typeof v.pipe === 'function' && typeof v.read === 'function' && typeof v.emit === 'function' && typeof v._readableState === 'object';
}

/**
 * A Node Readable is returned as is: its `emit` is observed (every chunk goes through `emit('data')`,
 * whether consumed by 'data' listeners, pipe or async iteration), so no listener is added and neither
 * flowing mode nor error handling changes.
 */
function traceNodeReadable(stream: NodeReadableLike, call: Call): unknown {
  const emit = stream.emit;
  define(stream, 'emit', function (this: unknown, event: string | symbol, ...args: unknown[]) {
    if (!call.ended) {
      if (event === 'data') call.chunk();
      else if (event === 'end') call.ok(undefined);
      else if (event === 'error') call.fail(args[0]);
      else if (event === 'close') {
        if (stream.errored != null) call.fail(stream.errored);
        else call.ok(undefined); // destroyed before the end: the consumer stopped early
      } else if (event === 'resume' || event === 'readable') call.touch();
    }
    return emit.call(this, event, ...args);
  });
  call.watchIdle();
  return stream;
}

/** A web ReadableStream is replaced by a pull-through one (highWaterMark 0: read only on demand). */
function traceWebStream(source: ReadableStream<unknown>, call: Call): ReadableStream<unknown> {
  let reader: ReadableStreamDefaultReader<unknown> | undefined;
  const ctx = call.ctx;
  const traced = new ReadableStream<unknown>(
    {
      pull(controller) {
        reader ??= source.getReader();
        const r = reader;
        call.pending++;
        return context.with(ctx, () => r.read()).then(
          (result) => {
            call.pending--;
            if (result.done) {
              controller.close();
              call.ok(undefined);
            } else {
              call.chunk();
              controller.enqueue(result.value);
            }
          },
          (error: unknown) => {
            call.pending--;
            call.fail(error);
            controller.error(error);
          },
        );
      },
      cancel(reason) {
        call.ok(undefined);
        return (reader ?? source).cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  call.watchIdle();
  return traced;
}
