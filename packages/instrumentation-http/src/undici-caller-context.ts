import { context, type Context } from '@opentelemetry/api';
import { AsyncResource, executionAsyncId } from 'node:async_hooks';
import { createRequire } from 'node:module';

/**
 * The caller's context for undici requests, whichever request frees the connection.
 *
 * A Pool (and an Agent with `connections`, which makes Pools) queues a request while its
 * connections are busy and makes the undici `Request`, which publishes `undici:request:create`, only
 * when another request's completion frees one: in that request's async context. The handler
 * callbacks then run from socket events, in the context of whoever opened the socket. So:
 *
 * - The queueing entry of undici's `PoolBase` (`[kDispatch]`, what Pool, BalancedPool and
 *   RoundRobinPool inherit; Agent and Client never queue before making the Request) notes
 *   `context.active()` against the handler it gets, in the caller's own call. That handler object
 *   is what the queue later gives to a Client and what the `Request` keeps. A WeakMap, so an entry
 *   lives no longer than its handler; it is taken off when the request is made.
 * - `adopt` (on `undici:request:create`) takes that context, or the active one when the request is
 *   made in its caller's call, and carries it on the `Request`.
 * - The methods of undici's `Request` that call the handler (`onConnect`, `onHeaders`, `onData`,
 *   `onComplete`, `onError`, ...) run in the context carried on the request: the caller's callbacks,
 *   a `stream` factory, our own span hooks.
 *
 * No undici module is imported: undici is CommonJS, so every copy an app loaded (by ESM import or
 * require) is in `require.cache`. A copy loaded after `enable()` is patched on its first
 * `undici:request:create`: a fresh Pool's first request is never queued, so none is missed. Node's
 * bundled copy behind global `fetch` cannot make Pools (its default Agent makes Clients), so only its
 * `Request` is patched, reached the same way.
 */
export interface UndiciCallerContext {
  /**
   * The caller's context of a request undici just made (on `undici:request:create`); the request's
   * handler callbacks run in it from now on.
   */
  adopt(request: object): Context;
  /** Puts back every patched `dispatch` and `Request` method. */
  restore(): void;
}

const kCaller = Symbol('agentrace.undici.caller');

/**
 * Set on an undici `Request` whose bytes are to be seen (a model call): `onBodySent` gets each piece
 * of the request body as undici writes it, `onData` each piece of the response body as undici hands
 * it to the handler (before the handler runs, never changing what it gets or returns). Node's bundled
 * undici publishes neither on a diagnostics channel, so these ride on the `Request` methods wrapped here.
 */
export const kBodyWatcher = Symbol('agentrace.undici.body-watcher');
export interface BodyWatcher {
  onBodySent(chunk: unknown): void;
  onData(chunk: unknown): void;
  /** What the handler's `onData` returned: `false` asks undici to pause (the reader is not keeping up). */
  afterData(result: unknown): void;
}
type CarriesCaller = { [kCaller]?: Context; [kBodyWatcher]?: BodyWatcher };
type Method = (this: unknown, ...args: unknown[]) => unknown;

/** The `Request` methods undici calls to hand the handler a connection, the response and the end. */
const HANDLER_CALLS = ['onConnect', 'onResponseStarted', 'onHeaders', 'onData', 'onUpgrade', 'onComplete', 'onError', 'onBodySent', 'onRequestSent'];
const POOL_BASE_FILE = /[\\/]undici[\\/]lib[\\/](?:dispatcher[\\/])?pool-base\.js$/;

// Per Request class: Node's bundled undici and the npm one each have their own symbol.
const handlerSymbols = new WeakMap<object, symbol | null>();

/** undici keeps the dispatch handler under a `Symbol('handler')` on its Request. */
function handlerOf(request: object): unknown {
  const proto = Object.getPrototypeOf(request) as object | null;
  if (proto === null) return undefined;
  let symbol = handlerSymbols.get(proto);
  if (symbol === undefined) {
    symbol = Object.getOwnPropertySymbols(request).find((s) => s.description === 'handler') ?? null;
    handlerSymbols.set(proto, symbol);
  }
  return symbol === null ? undefined : (request as Record<symbol, unknown>)[symbol];
}

const activeContext = (): Context => context.active();
const applyWith = (fn: Method, self: unknown, args: IArguments): unknown => Reflect.apply(fn, self, args);

/** The module cache `require` shares with every CommonJS module (the same object in ESM apps). */
let moduleCache: NodeJS.Dict<NodeJS.Module> | undefined;
function loadedModules(): NodeJS.Dict<NodeJS.Module> {
  // Any absolute path will do: there is one cache per process.
  moduleCache ??= createRequire(process.execPath).cache;
  return moduleCache;
}

/** `PoolBase.prototype` of each loaded undici copy and the symbol of its queueing `[kDispatch]`. */
function poolPrototypes(): { proto: Record<symbol, unknown>; key: symbol }[] {
  const found: { proto: Record<symbol, unknown>; key: symbol }[] = [];
  const modules = loadedModules();
  for (const file in modules) {
    if (!POOL_BASE_FILE.test(file)) continue;
    // `module.exports = { PoolBase, ... }` (undici 6, 7) or the class itself.
    const exported = modules[file]?.exports as { PoolBase?: unknown } | undefined;
    const base = typeof exported === 'function' ? exported : exported?.PoolBase;
    const proto = typeof base === 'function' ? (base.prototype as unknown) : undefined;
    if (typeof proto !== 'object' || proto === null) continue;
    const key = Object.getOwnPropertySymbols(proto).find((s) => s.description === 'dispatch');
    if (key !== undefined && typeof (proto as Record<symbol, unknown>)[key] === 'function') found.push({ proto: proto as Record<symbol, unknown>, key });
  }
  return found;
}

/** Patches the undici copies loaded now; `adopt` patches a copy first seen later. */
export function keepUndiciCallerContext(): UndiciCallerContext {
  let active = true;
  const callers = new WeakMap<object, Context>();
  const restores: (() => void)[] = [];
  const patchedPools = new WeakSet<object>();
  const patchedRequests = new WeakSet<object>();

  const patchPool = (proto: Record<symbol, unknown>, key: symbol): void => {
    if (patchedPools.has(proto)) return;
    patchedPools.add(proto);
    const original = proto[key] as Method;
    // A method, not an arrow: no `prototype`, `this` passed on; undici's name and length.
    const { dispatch } = {
      dispatch(this: unknown, opts: unknown, handler: unknown): unknown {
        // Only ever called in the caller's own call (a queued request goes to a Client later, not here).
        if (active && typeof handler === 'object' && handler !== null) callers.set(handler, context.active());
        return Reflect.apply(original, this, arguments);
      },
    };
    Object.defineProperty(dispatch, 'name', { value: original.name });
    proto[key] = dispatch;
    restores.push(() => {
      if (proto[key] === dispatch) proto[key] = original;
    });
  };

  const patchRequest = (proto: Record<string, unknown>): void => {
    patchedRequests.add(proto);
    for (const name of HANDLER_CALLS) {
      if (!Object.hasOwn(proto, name)) continue;
      const original = proto[name] as Method;
      if (typeof original !== 'function') continue;
      // One wrapper per method and undici copy. Per call: a property read, and a comparison that
      // skips the context switch when undici already runs it in the caller's context.
      const watched = name === 'onData' || name === 'onBodySent' ? (name as 'onData' | 'onBodySent') : undefined;
      const bound = {
        [name](this: CarriesCaller): unknown {
          const watcher = watched === undefined || !active ? undefined : this[kBodyWatcher];
          if (watcher !== undefined) {
            try {
              watcher[watched!](arguments[0]);
            } catch {
              // The watcher never throws by design; if it did, the request must not notice.
            }
          }
          const caller = this[kCaller];
          const result = !active || caller === undefined || caller === context.active() ? Reflect.apply(original, this, arguments) : context.with(caller, applyWith, undefined, original, this, arguments);
          if (watcher !== undefined && watched === 'onData') {
            try {
              watcher.afterData(result);
            } catch {
              // As above.
            }
          }
          return result;
        },
      }[name]!;
      Object.defineProperty(bound, 'length', { value: original.length });
      proto[name] = bound;
      restores.push(() => {
        if (proto[name] === bound) proto[name] = original;
      });
    }
  };

  const discover = (): void => {
    for (const { proto, key } of poolPrototypes()) patchPool(proto, key);
  };
  discover();

  return {
    adopt(request) {
      const proto = Object.getPrototypeOf(request) as Record<string, unknown> | null;
      if (proto !== null && !patchedRequests.has(proto)) {
        // An undici copy not seen before (loaded after enable(), or Node's bundled one on the first fetch).
        patchRequest(proto);
        discover();
      }
      const handler = handlerOf(request);
      let caller: Context | undefined;
      if (typeof handler === 'object' && handler !== null) {
        caller = callers.get(handler);
        if (caller !== undefined) callers.delete(handler);
        // Queued before its Pool was patched: undici's own handlers (`request`, `stream`,
        // `pipeline`) are AsyncResources made in the caller's context, so read it in their scope.
        else if (handler instanceof AsyncResource && handler.triggerAsyncId() !== executionAsyncId()) caller = handler.runInAsyncScope(activeContext);
      }
      // Not queued: undici makes the Request in the caller's own call.
      caller ??= context.active();
      (request as CarriesCaller)[kCaller] = caller;
      return caller;
    },
    restore() {
      active = false;
      for (let i = restores.length - 1; i >= 0; i--) restores[i]!();
      restores.length = 0;
    },
  };
}
