import { type Attributes, type Span, context, createContextKey, SpanKind, trace } from '@opentelemetry/api';
import { type BacklogSource, backlogSource, recordBacklog } from './backlog.js';
import type { BullFlowJob, BullJob, BullJobOpts, BullMQModuleLike, BullMQState, BullQueueBase } from './internal-types.js';
import { endWhenSettled, getTracer, injectCarrier, recordFailure, reportOnce, runHook, startConsumerSpan } from './messaging.js';
import {
  ATTR_AGENTRACE_CONSUMER_CONCURRENCY,
  ATTR_AGENTRACE_CONSUMER_IN_FLIGHT,
  ATTR_AGENTRACE_MESSAGING_ATTEMPT,
  ATTR_AGENTRACE_MESSAGING_REDELIVERED,
  ATTR_AGENTRACE_MESSAGING_REPEAT,
  ATTR_AGENTRACE_MESSAGING_WAIT_MS,
  ATTR_BULLMQ_JOB_NAME,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_OPERATION_TYPE_VALUE_CREATE,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_OPERATION_TYPE_VALUE_SEND,
  MESSAGING_SYSTEM_VALUE_BULLMQ,
} from './semconv.js';
import type { BullMQInstrumentationOptions, ConsumerParentMode, QueueInstrumentationHandle } from './types.js';
import { wrapMethod } from './wrap.js';

type Fn = (this: any, ...args: any[]) => any;

/**
 * The attempt a process span belongs to, kept in the context the worker's `processJob` runs in, so
 * `handleFailed` (called inside it) finds the span to record the processor's error on. A context
 * entry rather than a WeakMap keyed by job: no map write and delete per job on the hot path, and
 * nothing for the garbage collector's weak-table work.
 */
interface Attempt {
  job: object;
  span: Span;
}
const ATTEMPT_KEY = createContextKey('agentrace bullmq attempt');

function currentAttempt(job: unknown): Attempt | undefined {
  const attempt = context.active().getValue(ATTEMPT_KEY) as Attempt | undefined;
  return attempt !== undefined && attempt.job === job ? attempt : undefined;
}

/** What every message of one Queue or Worker shares, worked out on its first message (the hot path reuses it). */
interface InstanceInfo {
  name: string;
  source: BacklogSource;
  /** `send {queue}` for a Queue, `process {queue}` for a Worker. */
  spanName: string;
}
const instances = new WeakMap<object, InstanceInfo>();

export function resolveBullMQState(options: BullMQInstrumentationOptions, defaults: { tracerProvider?: BullMQState['tracerProvider']; consumerParent?: ConsumerParentMode }): BullMQState {
  return {
    tracerProvider: defaults.tracerProvider,
    consumerParent: options.consumerParent ?? defaults.consumerParent ?? 'child',
    newTracePerRepetition: options.newTracePerRepetition ?? true,
    producerHook: options.producerHook,
    consumerHook: options.consumerHook,
  };
}

/**
 * Patches BullMQ's classes (prototypes, so instances made before and after both count). Context rides in
 * the job's own `opts.telemetry.metadata` field (stored by BullMQ as `tm`, kept across retries and
 * repetitions) as JSON of a W3C carrier. Queues and workers given BullMQ's own `telemetry` option are
 * left to it, so nothing is traced twice.
 */
export function patchBullMQ(moduleExports: BullMQModuleLike, state: BullMQState): () => void {
  const queue = moduleExports.Queue?.prototype;
  const worker = moduleExports.Worker?.prototype;
  const flow = moduleExports.FlowProducer?.prototype;
  if (!queue && !worker && !flow) {
    reportOnce('bullmq:shape', 'instrumentBullMQ: the module has no Queue, Worker or FlowProducer class; nothing was instrumented');
    return () => {};
  }
  const undo = [
    wrapMethod(queue, 'add', (original) => wrapAdd(original, state)),
    wrapMethod(queue, 'addBulk', (original) => wrapAddBulk(original, state)),
    wrapMethod(queue, 'upsertJobScheduler', (original) => wrapUpsertJobScheduler(original, state)),
    wrapMethod(flow, 'add', (original) => wrapFlowAdd(original, state, false)),
    wrapMethod(flow, 'addBulk', (original) => wrapFlowAdd(original, state, true)),
    wrapMethod(worker, 'processJob', (original) => wrapProcessJob(original, state)),
    // handleFailed receives the processor's error without a promise of ours per job; callProcessJob
    // (one extra promise per job) only where a BullMQ 5 release has no handleFailed.
    typeof (worker as { handleFailed?: unknown } | undefined)?.handleFailed === 'function'
      ? wrapMethod(worker, 'handleFailed', (original) => wrapHandleFailed(original))
      : wrapMethod(worker, 'callProcessJob', (original) => wrapCallProcessJob(original)),
  ];
  return () => undo.forEach((restore) => restore());
}

/** Explicit call for users who import BullMQ themselves (ESM without the loader hook, or their own provider). */
export function instrumentBullMQ(bullmq: unknown, options: BullMQInstrumentationOptions & { tracerProvider?: BullMQState['tracerProvider'] } = {}): QueueInstrumentationHandle {
  if (!bullmq || typeof bullmq !== 'object') {
    reportOnce('bullmq:arg', `instrumentBullMQ: expected the bullmq module (import * as bullmq from 'bullmq'), got ${typeof bullmq}`);
    return { disable() {} };
  }
  const undo = patchBullMQ(bullmq as BullMQModuleLike, resolveBullMQState(options, options));
  return { disable: undo };
}

function producerAttributes(destination: string, operationName: string, operationType: string): Attributes {
  return {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_BULLMQ,
    [ATTR_MESSAGING_DESTINATION_NAME]: destination,
    [ATTR_MESSAGING_OPERATION_TYPE]: operationType,
    [ATTR_MESSAGING_OPERATION_NAME]: operationName,
  };
}

/** Copies `opts` with our carrier in `telemetry.metadata`, unless the caller set one or opted out. */
function withMetadata(opts: BullJobOpts | undefined, metadata: string): BullJobOpts | undefined {
  const telemetry = opts?.telemetry;
  if (telemetry?.metadata || telemetry?.omitContext) return opts;
  return { ...opts, telemetry: { ...telemetry, metadata } };
}

/** Starts a PRODUCER span and runs `call` in its context; the span ends when the returned promise settles. */
function produce<T>(
  state: BullMQState,
  name: string,
  attributes: Attributes,
  message: unknown,
  call: (metadata: string) => T,
): T {
  const span = getTracer(state.tracerProvider).startSpan(name, { kind: SpanKind.PRODUCER, attributes });
  const destination = String(attributes[ATTR_MESSAGING_DESTINATION_NAME] ?? '');
  if (state.producerHook) runHook('producerHook', state.producerHook, span, { system: MESSAGING_SYSTEM_VALUE_BULLMQ, destination, message });
  const source = backlogSource(MESSAGING_SYSTEM_VALUE_BULLMQ, destination);
  if (source.latest) recordBacklog(span, source);
  const ctx = trace.setSpan(context.active(), span);
  // Injected after the hook so no hook can tamper with the carrier.
  const metadata = JSON.stringify(injectCarrier(ctx));
  let result: T;
  try {
    result = context.with(ctx, () => call(metadata));
  } catch (error) {
    recordFailure(span, error);
    span.end();
    throw error;
  }
  return endWhenSettled(span, result) as T;
}

function skip(instance: BullQueueBase | undefined): boolean {
  // The user chose BullMQ's own telemetry for this instance: it owns the `tm` field.
  return !instance || !!instance.opts?.telemetry;
}

function registerProbe(queue: BullQueueBase): BacklogSource {
  const source = backlogSource(MESSAGING_SYSTEM_VALUE_BULLMQ, queue.name);
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
  if (id !== undefined) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, String(id));
}

// The hot path of a producer: `produce` inlined, nothing allocated for hooks that are not set.
function wrapAdd(original: Fn, state: BullMQState): Fn {
  return function add(this: BullQueueBase, name: unknown, data: unknown, opts?: BullJobOpts, ...rest: unknown[]) {
    if (skip(this) || opts?.telemetry?.omitContext) return original.apply(this, [name, data, opts, ...rest]);
    const info = producerInfo(this);
    const attributes = producerAttributes(info.name, 'send', MESSAGING_OPERATION_TYPE_VALUE_SEND);
    attributes[ATTR_BULLMQ_JOB_NAME] = String(name);
    const span = getTracer(state.tracerProvider).startSpan(info.spanName, { kind: SpanKind.PRODUCER, attributes });
    if (state.producerHook) runHook('producerHook', state.producerHook, span, { system: MESSAGING_SYSTEM_VALUE_BULLMQ, destination: info.name, message: { name, data, opts } });
    if (info.source.latest) recordBacklog(span, info.source);
    const ctx = trace.setSpan(context.active(), span);
    // Injected after the hook so no hook can tamper with the carrier.
    const withContext = withMetadata(opts, JSON.stringify(injectCarrier(ctx)));
    let result: unknown;
    try {
      result = context.with(ctx, () => (rest.length === 0 ? original.call(this, name, data, withContext) : original.call(this, name, data, withContext, ...rest)));
    } catch (error) {
      recordFailure(span, error);
      span.end();
      throw error;
    }
    return endWhenSettled(span, result, setMessageId);
  };
}


function wrapAddBulk(original: Fn, state: BullMQState): Fn {
  return function addBulk(this: BullQueueBase, jobs: unknown, ...rest: unknown[]) {
    if (skip(this) || !Array.isArray(jobs)) return original.apply(this, [jobs, ...rest]);
    registerProbe(this);
    const attributes = producerAttributes(this.name, 'send', MESSAGING_OPERATION_TYPE_VALUE_SEND);
    attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = jobs.length;
    return produce(state, `send ${this.name}`, attributes, jobs, (metadata) =>
      original.apply(this, [
        jobs.map((job: { opts?: BullJobOpts } | null) => (job && typeof job === 'object' ? { ...job, opts: withMetadata(job.opts, metadata) } : job)),
        ...rest,
      ]),
    );
  };
}

function wrapUpsertJobScheduler(original: Fn, state: BullMQState): Fn {
  return function upsertJobScheduler(this: BullQueueBase, id: unknown, repeatOpts: unknown, template?: { opts?: BullJobOpts }, ...rest: unknown[]) {
    if (skip(this)) return original.apply(this, [id, repeatOpts, template, ...rest]);
    registerProbe(this);
    const attributes = producerAttributes(this.name, 'schedule', MESSAGING_OPERATION_TYPE_VALUE_CREATE);
    return produce(state, `schedule ${this.name}`, attributes, { id, repeatOpts, template }, (metadata) =>
      original.apply(this, [id, repeatOpts, { ...template, opts: withMetadata(template?.opts, metadata) }, ...rest]),
    );
  };
}

function countNodes(node: BullFlowJob): number {
  let count = 1;
  for (const child of node.children ?? []) count += countNodes(child);
  return count;
}

function injectFlow(node: BullFlowJob, metadata: string): BullFlowJob {
  if (!node || typeof node !== 'object') return node;
  const copy: BullFlowJob = { ...node, opts: withMetadata(node.opts, metadata) };
  if (Array.isArray(node.children)) copy.children = node.children.map((child) => injectFlow(child, metadata));
  return copy;
}

function wrapFlowAdd(original: Fn, state: BullMQState, bulk: boolean): Fn {
  return function addFlow(this: { opts?: { telemetry?: unknown }; telemetry?: unknown }, flowOrFlows: unknown, ...rest: unknown[]) {
    const flows = (bulk ? flowOrFlows : [flowOrFlows]) as BullFlowJob[];
    if (this?.telemetry || this?.opts?.telemetry || !Array.isArray(flows) || flows.some((f) => !f || typeof f !== 'object')) {
      return original.apply(this, [flowOrFlows, ...rest]);
    }
    const destination = flows[0]?.queueName ?? '';
    const attributes = producerAttributes(destination, 'send', MESSAGING_OPERATION_TYPE_VALUE_SEND);
    attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = flows.reduce((n, f) => n + countNodes(f), 0);
    return produce(state, `send ${destination}`, attributes, flowOrFlows, (metadata) => {
      const injected = flows.map((f) => injectFlow(f, metadata));
      return original.apply(this, [bulk ? injected : injected[0], ...rest]);
    });
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
  const source = backlogSource(MESSAGING_SYSTEM_VALUE_BULLMQ, worker.name);
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

function wrapProcessJob(original: Fn, state: BullMQState): Fn {
  return function processJob(this: BullQueueBase, job: BullJob, ...rest: unknown[]) {
    if (skip(this) || !job || typeof job !== 'object') return original.apply(this, [job, ...rest]);
    const info = workerInfo(this);
    const source = info.source;
    source.inFlight++;
    const repeat = state.newTracePerRepetition && !!(job.repeatJobKey || job.opts?.repeat);
    const attempt = job.attemptsStarted && job.attemptsStarted > 0 ? job.attemptsStarted : (job.attemptsMade ?? 0) + 1;
    const attributes: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_BULLMQ,
      [ATTR_MESSAGING_DESTINATION_NAME]: info.name,
      [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      [ATTR_MESSAGING_OPERATION_NAME]: 'process',
      [ATTR_BULLMQ_JOB_NAME]: job.name,
      [ATTR_AGENTRACE_MESSAGING_ATTEMPT]: attempt,
      [ATTR_AGENTRACE_CONSUMER_IN_FLIGHT]: source.inFlight,
    };
    if (source.concurrency !== undefined) attributes[ATTR_AGENTRACE_CONSUMER_CONCURRENCY] = source.concurrency;
    if (job.id !== undefined) attributes[ATTR_MESSAGING_MESSAGE_ID] = String(job.id);
    if (job.stalledCounter) attributes[ATTR_AGENTRACE_MESSAGING_REDELIVERED] = true;
    if (repeat) attributes[ATTR_AGENTRACE_MESSAGING_REPEAT] = true;
    if (attempt === 1 && typeof job.timestamp === 'number') {
      const due = job.timestamp + (Number(job.delay ?? job.opts?.delay) || 0);
      attributes[ATTR_AGENTRACE_MESSAGING_WAIT_MS] = Math.max(0, Date.now() - due);
    }
    const mode: ConsumerParentMode = repeat ? 'link' : state.consumerParent;
    const { span, ctx } = startConsumerSpan(getTracer(state.tracerProvider), info.spanName, attributes, parseMetadata(job.opts?.telemetry?.metadata), mode);
    if (source.latest) recordBacklog(span, source);
    if (state.consumerHook) runHook('consumerHook', state.consumerHook, span, { system: MESSAGING_SYSTEM_VALUE_BULLMQ, destination: info.name, message: job });
    const current: Attempt = { job, span };
    const finish = (): void => {
      source.inFlight--;
      span.end();
    };
    let result: unknown;
    try {
      result = context.with(ctx.setValue(ATTEMPT_KEY, current), () => original.apply(this, [job, ...rest]));
    } catch (error) {
      recordFailure(span, error);
      finish();
      throw error;
    }
    if (!result || typeof (result as { then?: unknown }).then !== 'function') {
      finish();
      return result;
    }
    return (result as Promise<unknown>).then(
      (value) => {
        finish();
        return value;
      },
      (error: unknown) => {
        recordFailure(span, error);
        finish();
        throw error;
      },
    );
  };
}

function wrapHandleFailed(original: Fn): Fn {
  return function handleFailed(this: unknown, error: unknown, job: BullJob, ...rest: unknown[]) {
    // BullMQ calls this with the processor's error (or an unrecoverable one) while the attempt's span is open.
    const span = currentAttempt(job)?.span;
    if (span) {
      try {
        recordFailure(span, error);
      } catch (failure) {
        reportOnce('bullmq:failure', 'instrumentBullMQ: could not record a job failure on its span', failure);
      }
    }
    return original.apply(this, [error, job, ...rest]);
  };
}

function wrapCallProcessJob(original: Fn): Fn {
  return function callProcessJob(this: unknown, job: BullJob, ...rest: unknown[]) {
    const span = currentAttempt(job)?.span;
    if (!span) return original.apply(this, [job, ...rest]);
    let result: unknown;
    try {
      result = original.apply(this, [job, ...rest]);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    }
    if (!result || typeof (result as { then?: unknown }).then !== 'function') return result;
    return (result as Promise<unknown>).then(undefined, (error: unknown) => {
      // The processor's error is the job's failure reason (BullMQ stores error.message as failedReason).
      recordFailure(span, error);
      throw error;
    });
  };
}
