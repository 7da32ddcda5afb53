// BullMQ (Redis): where BullMQ keeps what the shared producer and consumer need. The context rides in
// the job's own `opts.telemetry.metadata` field (stored by BullMQ as `tm`, kept across retries and
// repetitions) as JSON of a W3C carrier; a process span is one attempt of the Worker's processor.
import { type Attributes, type Context, type Span, type TracerProvider, context, createContextKey, trace } from '@opentelemetry/api';
import { capString, sanitizeInboundValue } from '@agentrace/core';
import { type BacklogSource, backlogSource } from './backlog.js';
import { reporter } from './diagnostics.js';
import { outsideRuns, wrapEmit } from './event-context.js';
import type {
  BullFlowJob,
  BullJob,
  BullJobOpts,
  BullMQModuleLike,
  BullQueueBase,
  BullTelemetryOpts,
  ClientState,
  Delivery,
  StateSource,
} from './internal-types.js';
import {
  canCarry,
  endFailed,
  endWhenSettled,
  extractContext,
  recordMessagingFailure,
  resolveClientState,
  runHandler,
  startDelivery,
  startProducer,
} from './messaging.js';
import * as semconv from './semconv.js';
import type { MessagingInstrumentationConfig, QueueInstrumentationHandle } from './types.js';
import { wrapMethod } from './wrap.js';

/** Options of the BullMQ instrumentation (`BullMQInstrumentation`, `instrumentQueues({ bullmq })`, `instrumentBullMQ`). */
export interface BullMQInstrumentationConfig extends MessagingInstrumentationConfig {
  /**
   * Repeatable jobs (job schedulers, `repeat` option): each repetition starts a new trace linked to the
   * producer that scheduled it, so a schedule never grows one endless trace. Default: `true`.
   */
  newTracePerRepetition?: boolean;
}

/** Resolved options the BullMQ patches read on every call. */
export interface BullMQState extends ClientState {
  readonly newTracePerRepetition: boolean;
}

type Fn = (this: any, ...args: any[]) => any;

/** Longest `bullmq.job.name` recorded: the name is per message, chosen by the caller. */
const MAX_JOB_NAME_BYTES = 1024;

/**
 * The attempt a process span belongs to, kept in the context the worker's `processJob` runs in, so
 * `handleFailed` (called inside it) finds the span to record the processor's error on. A context
 * entry rather than a WeakMap keyed by job: no map write and delete per job on the hot path, and
 * nothing for the garbage collector's weak-table work.
 */
const ATTEMPT_KEY = createContextKey('agentrace bullmq attempt');

function currentAttempt(job: unknown): Delivery | undefined {
  const attempt = context.active().getValue(ATTEMPT_KEY) as Delivery | undefined;
  return attempt !== undefined && attempt.message === job ? attempt : undefined;
}

/** What every message of one Queue or Worker shares, worked out on its first message (the hot path reuses it). */
interface InstanceInfo {
  name: string;
  source: BacklogSource;
  /** `send {queue}` for a Queue, `process {queue}` for a Worker. */
  spanName: string;
}
const instances = new WeakMap<object, InstanceInfo>();

export function resolveBullMQState(config: BullMQInstrumentationConfig, tracerProvider: TracerProvider | undefined): BullMQState {
  const cfg: BullMQInstrumentationConfig = config !== null && typeof config === 'object' ? config : {};
  return { ...resolveClientState(semconv.MESSAGING_SYSTEM_VALUE_BULLMQ, 'bullmq', cfg, tracerProvider), newTracePerRepetition: cfg.newTracePerRepetition ?? true };
}

/**
 * Patches BullMQ's classes found in `moduleExports` (prototypes, so instances made before and after both
 * count): `Queue.add`, `addBulk`, `upsertJobScheduler`, `FlowProducer.add`, `addBulk`, the Worker's
 * `processJob` and `handleFailed`, and the `emit` of each class (see `workerEventContext`). Queues and
 * workers given BullMQ's own `telemetry` option are left to it, so nothing is traced twice. Returns the
 * undo.
 */
export function patchBullMQ(moduleExports: BullMQModuleLike, source: StateSource<BullMQState>): () => void {
  const queue = moduleExports.Queue?.prototype;
  const worker = moduleExports.Worker?.prototype;
  const flow = moduleExports.FlowProducer?.prototype;
  const events = moduleExports.QueueEvents?.prototype;
  if (!queue && !worker && !flow && !events) {
    reporter.errorOnce('bullmq:shape', 'the bullmq module has no Queue, Worker, FlowProducer or QueueEvents class; nothing was instrumented');
    return () => {};
  }
  const undo = [
    wrapMethod(queue, 'add', (original) => wrapAdd(original, source)),
    wrapMethod(queue, 'addBulk', (original) => wrapAddBulk(original, source)),
    wrapMethod(queue, 'upsertJobScheduler', (original) => wrapUpsertJobScheduler(original, source)),
    wrapMethod(flow, 'add', (original) => wrapFlowAdd(original, source, false)),
    wrapMethod(flow, 'addBulk', (original) => wrapFlowAdd(original, source, true)),
    wrapMethod(worker, 'processJob', (original) => wrapProcessJob(original, source)),
    // handleFailed receives the processor's error without a promise of ours per job; callProcessJob
    // (one extra promise per job) only where a BullMQ 5 release has no handleFailed.
    typeof (worker as { handleFailed?: unknown } | undefined)?.handleFailed === 'function'
      ? wrapMethod(worker, 'handleFailed', (original) => wrapHandleFailed(original))
      : wrapMethod(worker, 'callProcessJob', (original) => wrapCallProcessJob(original)),
    wrapMethod(worker, 'emit', (original) => wrapEmit(original, 'bullmq', workerEventContext)),
    wrapMethod(queue, 'emit', (original) => wrapEmit(original, 'bullmq', connectionEventContext)),
    wrapMethod(flow, 'emit', (original) => wrapEmit(original, 'bullmq', connectionEventContext)),
    wrapMethod(events, 'emit', (original) => wrapEmit(original, 'bullmq', queueEventsContext)),
  ];
  return () => undo.forEach((restore) => restore());
}

// Where the listeners of a BullMQ instance run. Its loops (the Worker's fetch loop, stalled-job checker
// and lock extender, the QueueEvents stream reader) and its Redis connections run in the context it was
// created in, so without this every event they fire would land in the run that created the instance.

/** Worker events fired by the app's own calls (`pause`, `resume`, `close`): they keep the caller's context. */
const WORKER_CALLER_EVENTS = new Set<unknown>(['paused', 'resumed', 'closing', 'closed']);
/** Queue and FlowProducer events that come from their connection rather than from the app's calls. */
const CONNECTION_EVENTS = new Set<unknown>(['error', 'ioredis:close']);

/**
 * A Worker's `completed`, `failed` and `progress` of the job it is processing fire inside that job's
 * attempt and keep its context (the process span, the producer's baggage); the events of the app's own
 * calls keep the caller's; every other event (`active`, fired before the attempt or at the end of the
 * previous job's, `drained`, `stalled`, `error`, `ready`, ...) runs outside any run.
 */
function workerEventContext(worker: BullQueueBase, event: unknown, first: unknown, active: Context): Context {
  if (skip(worker) || WORKER_CALLER_EVENTS.has(event)) return active;
  const attempt = active.getValue(ATTEMPT_KEY) as Delivery | undefined;
  return attempt !== undefined && attempt.message === first ? active : outsideRuns(active);
}

/** A Queue's (or FlowProducer's) events come from the app's calls (`waiting` from `add`, ...), but for those of its connection. */
function connectionEventContext(queue: BullQueueBase, event: unknown, _first: unknown, active: Context): Context {
  return skip(queue) || !CONNECTION_EVENTS.has(event) ? active : outsideRuns(active);
}

/** Every QueueEvents event comes from the Redis stream it reads (or its connection): none belongs to a run here. */
function queueEventsContext(queueEvents: BullQueueBase, _event: unknown, _first: unknown, active: Context): Context {
  return skip(queueEvents) ? active : outsideRuns(active);
}

/**
 * Explicit form for BullMQ modules the require hook cannot see (a bundle that inlined BullMQ, or
 * BullMQ loaded before the instrumentation was enabled): `instrumentBullMQ(await import('bullmq'))`.
 * Patches the classes' prototypes, so instances made before and after both count.
 */
export function instrumentBullMQ(
  bullmq: unknown,
  options: BullMQInstrumentationConfig & { tracerProvider?: TracerProvider } = {},
): QueueInstrumentationHandle {
  if (!bullmq || typeof bullmq !== 'object') {
    reporter.errorOnce('bullmq:arg', `instrumentBullMQ: expected the bullmq module (import * as bullmq from 'bullmq'), got ${typeof bullmq}; nothing was instrumented`);
    return { disable() {} };
  }
  const tracerProvider = options !== null && typeof options === 'object' ? options.tracerProvider : undefined;
  return { disable: patchBullMQ(bullmq as BullMQModuleLike, { state: resolveBullMQState(options, tracerProvider) }) };
}

function producerAttributes(destination: string, operationName: string, operationType: string): Attributes {
  return {
    [semconv.ATTR_MESSAGING_SYSTEM]: semconv.MESSAGING_SYSTEM_VALUE_BULLMQ,
    [semconv.ATTR_MESSAGING_DESTINATION_NAME]: destination,
    [semconv.ATTR_MESSAGING_OPERATION_TYPE]: operationType,
    [semconv.ATTR_MESSAGING_OPERATION_NAME]: operationName,
  };
}

/**
 * A copy of the caller's job `opts` with a fresh `telemetry` object for the carrier, pushed on
 * `targets`; `opts` itself when the caller set a `metadata` of their own or `omitContext` (respected).
 * The caller's objects are never modified.
 */
function copyOpts(opts: BullJobOpts | undefined, targets: BullTelemetryOpts[]): BullJobOpts | undefined {
  const telemetry = opts?.telemetry;
  if (telemetry?.metadata || telemetry?.omitContext || !canCarry(opts) || !canCarry(telemetry)) return opts;
  const target: BullTelemetryOpts = { ...telemetry };
  targets.push(target);
  return { ...opts, telemetry: target };
}

/** What a send of addBulk, upsertJobScheduler or FlowProducer is about, read from the caller's arguments. */
interface Send {
  destination: string;
  attributes: Attributes;
  /** Calls BullMQ with the copies that will carry the metadata. */
  call: () => unknown;
}

/**
 * The send of addBulk, upsertJobScheduler and FlowProducer: `prepare` reads and copies what the caller
 * gave (and may throw on a hostile argument, before any span exists: the call then goes to BullMQ
 * untouched), then the shared producer starts the span and injects, and the metadata goes into every
 * copy.
 */
function produce(
  state: BullMQState,
  operation: 'send' | 'schedule',
  message: unknown,
  prepare: (targets: BullTelemetryOpts[]) => Send,
  passThrough: () => unknown,
): unknown {
  const targets: BullTelemetryOpts[] = [];
  let send: Send;
  try {
    send = prepare(targets);
  } catch (error) {
    reporter.errorOnce(`bullmq:${operation}`, `could not read the arguments of a BullMQ ${operation}; that call is not traced`, error);
    return passThrough();
  }
  const { destination } = send;
  const carrier: Record<string, unknown> = {};
  const source = backlogSource(semconv.MESSAGING_SYSTEM_VALUE_BULLMQ, destination);
  const ctx = startProducer(state, `${operation} ${destination}`, send.attributes, destination, source, state.producerHook && message, carrier);
  const span = trace.getSpan(ctx)!;
  const metadata = JSON.stringify(carrier);
  for (const target of targets) target.metadata = metadata;
  let result: unknown;
  try {
    result = context.with(ctx, send.call);
  } catch (error) {
    endFailed(span, error);
    throw error;
  }
  return endWhenSettled(span, result);
}

function skip(instance: BullQueueBase | undefined): boolean {
  // The user chose BullMQ's own telemetry for this instance: it owns the `tm` field.
  return !instance || !!instance.opts?.telemetry;
}

function registerProbe(queue: BullQueueBase): BacklogSource {
  const source = backlogSource(semconv.MESSAGING_SYSTEM_VALUE_BULLMQ, queue.name);
  if (source.probe || typeof queue.getJobCounts !== 'function') return source;
  const ref = new WeakRef(queue);
  source.probe = async () => {
    const q = ref.deref();
    if (!q?.getJobCounts) throw new Error('queue was garbage collected');
    const counts = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active,
      delayed: counts.delayed,
      failed: counts.failed,
    };
  };
  return source;
}

/** The queue's shared info; re-registers its backlog probe if a failed sample dropped it. */
function producerInfo(queue: BullQueueBase): InstanceInfo {
  let info = instances.get(queue);
  if (info === undefined || info.name !== queue.name) {
    info = { name: queue.name, source: registerProbe(queue), spanName: `send ${queue.name}` };
    instances.set(queue, info);
  } else if (!info.source.probe && typeof queue.getJobCounts === 'function') {
    registerProbe(queue);
  }
  return info;
}

function setMessageId(span: Span, job: unknown): void {
  const id = (job as BullJob | undefined)?.id;
  if (id !== undefined) span.setAttribute(semconv.ATTR_MESSAGING_MESSAGE_ID, String(id));
}

// The hot path of a producer: nothing allocated for hooks that are not set, nothing read from the
// caller's arguments after the span starts.
function wrapAdd(original: Fn, source: StateSource<BullMQState>): Fn {
  return function add(this: BullQueueBase, name: unknown, data: unknown, opts?: BullJobOpts) {
    if (skip(this)) return original.apply(this, arguments as unknown as unknown[]);
    let info: InstanceInfo | undefined;
    let attributes: Attributes | undefined;
    let copy: BullJobOpts | undefined;
    let target: BullTelemetryOpts | undefined;
    try {
      const telemetry = opts?.telemetry;
      if (!telemetry?.omitContext) {
        const shared = producerInfo(this);
        attributes = producerAttributes(shared.name, 'send', semconv.MESSAGING_OPERATION_TYPE_VALUE_SEND);
        if (typeof name === 'string') attributes[semconv.ATTR_BULLMQ_JOB_NAME] = capString(name, MAX_JOB_NAME_BYTES);
        if (telemetry?.metadata || !canCarry(opts) || !canCarry(telemetry)) copy = opts;
        else {
          target = { ...telemetry };
          copy = { ...opts, telemetry: target };
        }
        info = shared;
      }
    } catch (error) {
      // A hostile argument (a revoked proxy as opts, a name whose toString throws): BullMQ decides.
      reporter.errorOnce('bullmq:add', 'could not read the arguments of a BullMQ Queue.add; that call is not traced', error);
      info = undefined;
    }
    if (info === undefined) return original.apply(this, arguments as unknown as unknown[]);
    const state = source.state;
    const carrier: Record<string, unknown> = {};
    const ctx = startProducer(state, info.spanName, attributes!, info.name, info.source, state.producerHook && { name, data, opts }, carrier);
    const span = trace.getSpan(ctx)!;
    if (target) target.metadata = JSON.stringify(carrier);
    const rest = arguments.length > 3 ? (Array.prototype.slice.call(arguments, 3) as unknown[]) : undefined;
    let result: unknown;
    try {
      result = context.with(ctx, () => (rest === undefined ? original.call(this, name, data, copy) : original.call(this, name, data, copy, ...rest)));
    } catch (error) {
      endFailed(span, error);
      throw error;
    }
    return endWhenSettled(span, result, setMessageId);
  };
}

function wrapAddBulk(original: Fn, source: StateSource<BullMQState>): Fn {
  return function addBulk(this: BullQueueBase, jobs: unknown, ...rest: unknown[]) {
    if (skip(this) || !Array.isArray(jobs)) return original.apply(this, [jobs, ...rest]);
    return produce(
      source.state,
      'send',
      jobs,
      (targets) => {
        const destination = registerProbe(this).destination;
        const attributes = producerAttributes(destination, 'send', semconv.MESSAGING_OPERATION_TYPE_VALUE_SEND);
        attributes[semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = jobs.length;
        const copies = jobs.map((job: { opts?: BullJobOpts } | null) => (job && typeof job === 'object' ? { ...job, opts: copyOpts(job.opts, targets) } : job));
        return { destination, attributes, call: () => original.apply(this, [copies, ...rest]) };
      },
      () => original.apply(this, [jobs, ...rest]),
    );
  };
}

function wrapUpsertJobScheduler(original: Fn, source: StateSource<BullMQState>): Fn {
  return function upsertJobScheduler(this: BullQueueBase, id: unknown, repeatOpts: unknown, template?: { opts?: BullJobOpts }, ...rest: unknown[]) {
    if (skip(this)) return original.apply(this, [id, repeatOpts, template, ...rest]);
    return produce(
      source.state,
      'schedule',
      { id, repeatOpts, template },
      (targets) => {
        const destination = registerProbe(this).destination;
        const copy = { ...template, opts: copyOpts(template?.opts, targets) };
        return {
          destination,
          attributes: producerAttributes(destination, 'schedule', semconv.MESSAGING_OPERATION_TYPE_VALUE_CREATE),
          call: () => original.apply(this, [id, repeatOpts, copy, ...rest]),
        };
      },
      () => original.apply(this, [id, repeatOpts, template, ...rest]),
    );
  };
}

function countNodes(node: BullFlowJob): number {
  let count = 1;
  for (const child of node.children ?? []) count += countNodes(child);
  return count;
}

function copyFlow(node: BullFlowJob, targets: BullTelemetryOpts[]): BullFlowJob {
  if (!node || typeof node !== 'object') return node;
  const copy: BullFlowJob = { ...node, opts: copyOpts(node.opts, targets) };
  if (Array.isArray(node.children)) copy.children = node.children.map((child) => copyFlow(child, targets));
  return copy;
}

function wrapFlowAdd(original: Fn, source: StateSource<BullMQState>, bulk: boolean): Fn {
  return function addFlow(this: { opts?: { telemetry?: unknown }; telemetry?: unknown }, flowOrFlows: unknown, ...rest: unknown[]) {
    const flows = (bulk ? flowOrFlows : [flowOrFlows]) as BullFlowJob[];
    if (this?.telemetry || this?.opts?.telemetry || !Array.isArray(flows) || flows.some((f) => !f || typeof f !== 'object')) {
      return original.apply(this, [flowOrFlows, ...rest]);
    }
    return produce(
      source.state,
      'send',
      flowOrFlows,
      (targets) => {
        const destination = String(flows[0]?.queueName ?? '');
        const attributes = producerAttributes(destination, 'send', semconv.MESSAGING_OPERATION_TYPE_VALUE_SEND);
        attributes[semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = flows.reduce((n, f) => n + countNodes(f), 0);
        const copies = flows.map((f) => copyFlow(f, targets));
        return { destination, attributes, call: () => original.apply(this, [bulk ? copies : copies[0], ...rest]) };
      },
      () => original.apply(this, [flowOrFlows, ...rest]),
    );
  };
}

function parseMetadata(metadata: unknown): unknown {
  if (typeof metadata !== 'string' || metadata.length === 0) return undefined;
  try {
    return JSON.parse(metadata);
  } catch {
    return undefined;
  }
}

function registerWorkerSource(worker: BullQueueBase): BacklogSource {
  const source = backlogSource(semconv.MESSAGING_SYSTEM_VALUE_BULLMQ, worker.name);
  if (!source.probe && worker.keys && worker.client) {
    // Workers have no getJobCounts; read the same keys on the worker's non-blocking client.
    const keys = worker.keys;
    const client = worker.client;
    source.probe = async () => {
      const redis = await client;
      const [wait, prioritized, active, delayed, failed] = await Promise.all([
        redis.llen(keys.wait ?? ''),
        redis.zcard(keys.prioritized ?? ''),
        redis.llen(keys.active ?? ''),
        redis.zcard(keys.delayed ?? ''),
        redis.zcard(keys.failed ?? ''),
      ]);
      return { waiting: wait + prioritized, active, delayed, failed };
    };
  }
  return source;
}

/** The worker's shared info; re-registers its backlog probe if a failed sample dropped it. */
function workerInfo(worker: BullQueueBase): InstanceInfo {
  let info = instances.get(worker);
  if (info === undefined || info.name !== worker.name) {
    info = { name: worker.name, source: registerWorkerSource(worker), spanName: `process ${worker.name}` };
    instances.set(worker, info);
  } else if (!info.source.probe && worker.keys && worker.client) {
    registerWorkerSource(worker);
  }
  // Read on every job: BullMQ lets the concurrency change while the worker runs.
  const concurrency = worker.opts?.concurrency;
  if (typeof concurrency === 'number') info.source.concurrency = concurrency;
  return info;
}

// The hot path of a consumer: one process span per attempt, ended when BullMQ's processJob settles
// (the job is then moved to completed or failed: BullMQ settles the message itself).
function wrapProcessJob(original: Fn, source: StateSource<BullMQState>): Fn {
  return function processJob(this: BullQueueBase, job: BullJob) {
    if (skip(this) || !job || typeof job !== 'object') return original.apply(this, arguments as unknown as unknown[]);
    const state = source.state;
    const info = workerInfo(this);
    const backlog = info.source;
    backlog.inFlight++;
    const repeat = state.newTracePerRepetition && !!(job.repeatJobKey || job.opts?.repeat);
    const attempt = job.attemptsStarted && job.attemptsStarted > 0 ? job.attemptsStarted : (job.attemptsMade ?? 0) + 1;
    const attributes: Attributes = {
      [semconv.ATTR_MESSAGING_SYSTEM]: semconv.MESSAGING_SYSTEM_VALUE_BULLMQ,
      [semconv.ATTR_MESSAGING_DESTINATION_NAME]: info.name,
      [semconv.ATTR_MESSAGING_OPERATION_TYPE]: semconv.MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      [semconv.ATTR_MESSAGING_OPERATION_NAME]: 'process',
      // The producer chose the name: read as outside input (control characters removed, capped).
      [semconv.ATTR_BULLMQ_JOB_NAME]: typeof job.name === 'string' ? sanitizeInboundValue(job.name, MAX_JOB_NAME_BYTES) : undefined,
      [semconv.ATTR_AGENTRACE_MESSAGING_ATTEMPT]: attempt,
      [semconv.ATTR_AGENTRACE_CONSUMER_IN_FLIGHT]: backlog.inFlight,
    };
    if (backlog.concurrency !== undefined) attributes[semconv.ATTR_AGENTRACE_CONSUMER_CONCURRENCY] = backlog.concurrency;
    if (job.id !== undefined) attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] = sanitizeInboundValue(String(job.id), MAX_JOB_NAME_BYTES) ?? '';
    if (job.stalledCounter) attributes[semconv.ATTR_AGENTRACE_MESSAGING_REDELIVERED] = true;
    if (repeat) attributes[semconv.ATTR_AGENTRACE_MESSAGING_REPEAT] = true;
    if (attempt === 1 && typeof job.timestamp === 'number') {
      const due = job.timestamp + (Number(job.delay ?? job.opts?.delay) || 0);
      attributes[semconv.ATTR_AGENTRACE_MESSAGING_WAIT_MS] = Math.max(0, Date.now() - due);
    }
    const carrier = extractContext(parseMetadata(job.opts?.telemetry?.metadata));
    const delivery = startDelivery(state, info.spanName, attributes, carrier, repeat ? 'link' : state.consumerParent, info.name, backlog, job, true);
    delivery.ctx = delivery.ctx.setValue(ATTEMPT_KEY, delivery);
    return runHandler(delivery, () => original.apply(this, arguments as unknown as unknown[]));
  };
}

function wrapHandleFailed(original: Fn): Fn {
  return function handleFailed(this: unknown, error: unknown, job: BullJob) {
    // BullMQ calls this with the processor's error (or an unrecoverable one) while the attempt's span is open.
    const attempt = currentAttempt(job);
    if (attempt) recordMessagingFailure(attempt.span, error);
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

function wrapCallProcessJob(original: Fn): Fn {
  return function callProcessJob(this: unknown, job: BullJob) {
    const attempt = currentAttempt(job);
    if (!attempt) return original.apply(this, arguments as unknown as unknown[]);
    let result: unknown;
    try {
      result = original.apply(this, arguments as unknown as unknown[]);
    } catch (error) {
      recordMessagingFailure(attempt.span, error);
      throw error;
    }
    if (!result || typeof (result as { then?: unknown }).then !== 'function') return result;
    return (result as Promise<unknown>).then(undefined, (error: unknown) => {
      // The processor's error is the job's failure reason (BullMQ stores error.message as failedReason).
      recordMessagingFailure(attempt.span, error);
      throw error;
    });
  };
}
