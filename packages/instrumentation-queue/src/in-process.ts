// In-process queues: a task enqueued in one run and run later by the queue's own loop must run in the
// context of the run that enqueued it (p-queue and fastq start a waiting task from the end of the
// previous one, in that task's context). The enqueuer's context is the "carrier": the task keeps it, and
// the shared consumer starts the process span from it.
import { type Attributes, type Context, type TracerProvider, context } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import { reporter } from './diagnostics.js';
import type { ClientState, Patched, StateSource } from './internal-types.js';
import { recordMessagingFailure, resolveClientState, runHandler, settleDelivery, startDelivery } from './messaging.js';
import {
  ATTR_AGENTRACE_MESSAGING_WAIT_MS,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_SYSTEM_VALUE_IN_PROCESS,
} from './semconv.js';
import type { BindToEnqueuerConfig, ConsumerHook, ConsumerParentMode } from './types.js';
import { wrapMethod } from './wrap.js';

/** Options of the in-process queue instrumentation (`InProcessQueueInstrumentation`, `instrumentQueues({ inProcess })`). */
export interface InProcessQueueInstrumentationConfig extends InstrumentationConfig {
  /** Process span parent: the enqueuer's span (`child`) or a new trace with a `link`. Default: `'child'`. */
  consumerParent?: ConsumerParentMode;
  /** Runs on every process span after it starts (message: the p-queue task function, or the value pushed to fastq). Default: none. */
  consumerHook?: ConsumerHook;
}

type Fn = (this: any, ...args: any[]) => any;

export function resolveInProcessState(config: InProcessQueueInstrumentationConfig, tracerProvider: TracerProvider | undefined): ClientState {
  return resolveClientState(MESSAGING_SYSTEM_VALUE_IN_PROCESS, 'inProcess', config, tracerProvider);
}

/** `bindToEnqueuer` with no provider, parent mode or system of its own: one state for all. */
const DEFAULT_STATE: ClientState = resolveInProcessState({}, undefined);

function processAttributes(system: string, destination: string, enqueuedAt: number): Attributes {
  return {
    [ATTR_MESSAGING_SYSTEM]: system,
    [ATTR_MESSAGING_DESTINATION_NAME]: destination,
    [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
    [ATTR_MESSAGING_OPERATION_NAME]: 'process',
    [ATTR_AGENTRACE_MESSAGING_WAIT_MS]: performance.now() - enqueuedAt,
  };
}

/**
 * `task`, bound to `enqueuer`: when the queue runs it, it runs in the enqueuer's context inside a
 * CONSUMER `process {destination}` span (the shared consumer, push style), with the time it waited.
 * Keeps `this`, the arguments, the return value and the thrown error.
 */
function bindTask<F extends Fn>(state: ClientState, destination: string, task: F, enqueuer: Context, extra?: Attributes): F {
  const enqueuedAt = performance.now();
  const spanName = `process ${destination}`;
  return function (this: unknown) {
    const delivery = startDelivery(state, spanName, processAttributes(state.system, destination, enqueuedAt), enqueuer, state.consumerParent, destination, undefined, task, true);
    if (extra) {
      try {
        delivery.span.setAttributes(extra);
      } catch (error) {
        reporter.errorOnce('bindToEnqueuer:attributes', 'the attributes option of bindToEnqueuer could not be recorded', error);
      }
    }
    return runHandler(delivery, () => task.apply(this, arguments as unknown as unknown[]));
  } as F;
}

/**
 * Binds `task` to the context active now (the enqueuer's), for in-process queues (p-queue, fastq,
 * an EventEmitter dispatcher, ...). Call it where the task is enqueued; when the queue later runs the
 * returned function, the task runs in the enqueuer's context instead of the worker's, inside an
 * optional CONSUMER `process {destination}` span with the time it waited in the queue.
 * The returned function keeps `this`, the arguments, the return value and the thrown error (the same
 * object); for a promise it returns one that settles with the task's own value or error.
 */
// `any` parameters: any task signature is accepted and returned with the same type.
export function bindToEnqueuer<F extends (...args: any[]) => unknown>(task: F, options: BindToEnqueuerConfig = {}): F {
  if (typeof task !== 'function') {
    reporter.errorOnce('bindToEnqueuer:task', `bindToEnqueuer: expected a function, got ${typeof task}; returned it unchanged`);
    return task;
  }
  const enqueuer = context.active();
  let span: boolean | undefined;
  let destination = 'task';
  let state = DEFAULT_STATE;
  let extra: Attributes | undefined;
  try {
    if (options !== null && typeof options === 'object') {
      span = options.span;
      destination = options.destination ?? destination;
      extra = options.attributes;
      const { system, consumerParent, tracerProvider } = options;
      if (system !== undefined || consumerParent !== undefined || tracerProvider !== undefined) {
        // Any value but 'link' parents the span on the enqueuer's, as `child` does.
        state = { ...DEFAULT_STATE, system: system ?? DEFAULT_STATE.system, consumerParent: consumerParent === 'link' ? 'link' : 'child', tracerProvider };
      }
    }
  } catch (error) {
    reporter.errorOnce('bindToEnqueuer:options', 'bindToEnqueuer could not read its options; using the defaults', error);
  }
  if (span === false) return context.bind(enqueuer, task);
  return bindTask(state, destination, task as F & Fn, enqueuer, extra);
}

// ---------------------------------------------------------------------------------------------------
// p-queue

/**
 * Patches `PQueue.prototype.add` (which `addAll` calls too), so every task runs in the context of the
 * code that added it, in a `process p-queue` span. p-queue is an ES module: the hook sees it through
 * the import-in-the-middle loader (or Node's `require` of an ES module), as a namespace whose default
 * export is the class.
 */
export function patchPQueue(moduleExports: unknown, source: StateSource): () => void {
  const candidate = typeof moduleExports === 'function' ? moduleExports : (moduleExports as { default?: unknown } | null)?.default;
  const proto = typeof candidate === 'function' ? (candidate as { prototype?: { add?: unknown } }).prototype : undefined;
  if (!proto || typeof proto.add !== 'function') {
    reporter.errorOnce('p-queue:shape', 'the p-queue module has no class with an add method; nothing was instrumented');
    return () => {};
  }
  return wrapMethod(proto, 'add', (original) =>
    function add(this: unknown, task: unknown) {
      if (typeof task !== 'function') return original.apply(this, arguments as unknown as unknown[]);
      const args = Array.prototype.slice.call(arguments) as unknown[];
      args[0] = bindTask(source.state, 'p-queue', task as Fn, context.active());
      return original.apply(this, args);
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// fastq

/** A task pushed while the instrumentation was on: the pusher's context and when it was pushed. */
interface Pushed {
  ctx: Context;
  at: number;
}

/**
 * The pushed-but-not-started tasks of one fastq queue, by value. fastq hands its worker the value
 * only; values run in queue order, so for equal values the first taken is the first queued.
 */
class PendingTasks {
  private readonly byValue = new Map<unknown, Pushed | Pushed[]>();

  add(value: unknown, pushed: Pushed, atHead: boolean): void {
    const current = this.byValue.get(value);
    if (current === undefined) this.byValue.set(value, pushed);
    else if (Array.isArray(current)) {
      if (atHead) current.unshift(pushed);
      else current.push(pushed);
    } else this.byValue.set(value, atHead ? [pushed, current] : [current, pushed]);
  }

  take(value: unknown): Pushed | undefined {
    const current = this.byValue.get(value);
    if (current === undefined || !Array.isArray(current)) {
      this.byValue.delete(value);
      return current;
    }
    const first = current.shift();
    if (current.length === 0) this.byValue.delete(value);
    return first;
  }

  clear(): void {
    this.byValue.clear();
  }
}

type FastqFactory = Fn & { promise?: Fn };

/** One wrapper per fastq factory (found from the factory or the wrapper), with the instrumentations in effect (the last one wins; none: pass-through). */
interface FastqWrapper {
  factory: FastqFactory;
  sources: StateSource[];
}
const fastqWrappers = new WeakMap<FastqFactory, FastqWrapper>();

/**
 * fastq exports a factory function (`fastq(worker, n)`, `fastq.promise(worker, n)`), so its exports are
 * replaced by a wrapper that instruments each queue it makes: `push` and `unshift` remember the
 * pusher's context, the worker runs each task in it. Disabling cannot take back a function the app
 * already holds: the wrapper (and every queue it made) then passes straight through.
 */
export function patchFastq(moduleExports: unknown, source: StateSource): Patched | (() => void) {
  // CommonJS: the exports are the factory; through import-in-the-middle, a namespace whose default is it.
  const namespace = typeof moduleExports === 'function' ? undefined : (moduleExports as Record<string, unknown> | null);
  const original = (namespace ? namespace.default : moduleExports) as FastqFactory | undefined;
  if (typeof original !== 'function') {
    reporter.errorOnce('fastq:shape', 'the fastq module exports no factory function; nothing was instrumented');
    return () => {};
  }
  // Another instrumentation may have wrapped it already (the hooks of two instances run one after the
  // other): the wrapper is shared, and the instrumentation enabled last is the one in effect.
  let wrapper = fastqWrappers.get(original);
  if (!wrapper) {
    wrapper = wrapFastq(original);
    fastqWrappers.set(original, wrapper);
    fastqWrappers.set(wrapper.factory, wrapper);
  }
  const { factory, sources } = wrapper;
  sources.push(source);
  if (namespace) {
    namespace.default = factory;
    if (factory.promise) namespace.promise = factory.promise;
  }
  return {
    exports: namespace ? moduleExports : factory,
    restore() {
      const index = sources.lastIndexOf(source);
      if (index >= 0) sources.splice(index, 1);
      if (namespace && sources.length === 0) {
        namespace.default = original;
        if (original.promise) namespace.promise = original.promise;
      }
    },
  };
}

function wrapFastq(original: FastqFactory): FastqWrapper {
  const sources: StateSource[] = [];
  const active = (): StateSource | undefined => sources[sources.length - 1];
  const make = (create: Fn, promiseStyle: boolean): Fn =>
    function fastq(this: unknown, ...args: unknown[]) {
      const at = typeof args[0] === 'function' ? 0 : 1;
      const worker = args[at];
      if (!active() || typeof worker !== 'function') return create.apply(this, args);
      const pending = new PendingTasks();
      args[at] = tracedWorker(worker as Fn, pending, active, promiseStyle);
      const queue = create.apply(this, args) as Record<string, unknown>;
      if (queue && typeof queue === 'object') trackQueue(queue, pending, active);
      return queue;
    };
  const factory: FastqFactory = Object.assign(make(original, false), original);
  Object.defineProperty(factory, 'name', { value: original.name });
  if (typeof original.promise === 'function') factory.promise = make(original.promise, true);
  return { factory, sources };
}

/** Remembers the pusher's context of each task; `kill`, `killAndDrain` and `abort` drop the queue. */
function trackQueue(queue: Record<string, unknown>, pending: PendingTasks, active: () => StateSource | undefined): void {
  for (const name of ['push', 'unshift']) {
    const original = queue[name];
    if (typeof original !== 'function') continue;
    const atHead = name === 'unshift';
    queue[name] = function (this: unknown, value: unknown) {
      if (active()) pending.add(value, { ctx: context.active(), at: performance.now() }, atHead);
      return (original as Fn).apply(this, arguments as unknown as unknown[]);
    };
  }
  for (const name of ['kill', 'killAndDrain', 'abort']) {
    const original = queue[name];
    if (typeof original !== 'function') continue;
    queue[name] = function (this: unknown) {
      pending.clear();
      return (original as Fn).apply(this, arguments as unknown as unknown[]);
    };
  }
}

function tracedWorker(worker: Fn, pending: PendingTasks, active: () => StateSource | undefined, promiseStyle: boolean): Fn {
  return function (this: unknown, value: unknown, done?: unknown) {
    const pushed = pending.take(value);
    const source = active();
    if (pushed === undefined || source === undefined) return worker.apply(this, arguments as unknown as unknown[]);
    const state = source.state;
    const attributes = processAttributes(state.system, 'fastq', pushed.at);
    // Promise style: fastq settles the task when the worker's promise does. Callback style: when the
    // worker calls back, however long after it returned.
    const delivery = startDelivery(state, 'process fastq', attributes, pushed.ctx, state.consumerParent, 'fastq', undefined, value, promiseStyle);
    if (promiseStyle) return runHandler(delivery, () => worker.call(this, value));
    const finish = function (this: unknown, error: unknown) {
      if (error) recordMessagingFailure(delivery.span, error);
      settleDelivery(delivery);
      return typeof done === 'function' ? (done as Fn).apply(this, arguments as unknown as unknown[]) : undefined;
    };
    try {
      return runHandler(delivery, () => worker.call(this, value, finish));
    } catch (error) {
      settleDelivery(delivery);
      throw error;
    }
  };
}
