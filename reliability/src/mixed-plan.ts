// What each run of the mixed-transport soak does, and therefore which spans its trace must hold.
import type { SpanShapeObject } from '@agentrace/testing';

/**
 * The hops a run can make besides its own nested steps (which every run makes). `limited-http` goes
 * through a dispatcher of 2 connections, so requests queue; `lazy-loop` hands a message to a poller
 * the first run that uses it starts (in its own context), whose handler is a run of its own.
 */
export type Transport = 'http' | 'limited-http' | 'in-process' | 'bullmq' | 'rabbitmq' | 'lazy-loop';
export type HttpClient = 'fetch' | 'undici' | 'node:http';
/** fetch through `new Agent({ connections: 2 })`, undici's `request` through `new Pool(origin, { connections: 2 })`. */
export type LimitedHttpClient = 'fetch' | 'undici';
export type InProcessQueue = 'p-queue' | 'fastq';

export const TRANSPORTS: readonly Transport[] = ['http', 'limited-http', 'in-process', 'bullmq', 'rabbitmq', 'lazy-loop'];
export const HTTP_CLIENTS: readonly HttpClient[] = ['fetch', 'undici', 'node:http'];
export const LIMITED_HTTP_CLIENTS: readonly LimitedHttpClient[] = ['fetch', 'undici'];
export const IN_PROCESS_QUEUES: readonly InProcessQueue[] = ['p-queue', 'fastq'];

/** Every pair of transports: run i takes pair i mod 15, so each transport is used by a third of the runs. */
const PAIRS: readonly (readonly [Transport, Transport])[] = TRANSPORTS.flatMap((a, i) => TRANSPORTS.slice(i + 1).map((b) => [a, b] as const));

/**
 * Carried in every payload and set from it, as an attribute, on the run's root and on every decorated
 * step (the ones across hops included), so the checks know whose data each span worked on.
 */
export const ATTR_SOAK_RUN_ID = 'soak.run_id';
/** On the root of a run the lazy loop started: the run that sent its message. */
export const ATTR_SOAK_SENT_BY = 'soak.sent_by';
/** Put on every span of a run by agentrace (decorators, and the run-attributes processor for HTTP and queue spans). */
export const ATTR_CORRELATION_ID = 'agentrace.correlation_id';
export const AGENT_NAME = 'soak-agent';
/** Name of the run the lazy loop starts for each message (a `traced` run, no agent). */
export const LOOP_RUN_NAME = 'handle_loop_message';

export interface RunPlan {
  index: number;
  runId: string;
  /** Also the run's correlation id. */
  correlationId: string;
  transports: readonly Transport[];
  /** Round robin over the runs that call HTTP. */
  httpClient: HttpClient;
  /** Round robin over the runs that call HTTP through the 2-connection dispatchers. */
  limitedHttpClient: LimitedHttpClient;
  /** Round robin over the runs that use an in-process queue. */
  inProcessQueue: InProcessQueue;
}

export function planRun(index: number): RunPlan {
  const runId = `run-${index}`;
  const round = Math.floor(index / PAIRS.length);
  return {
    index,
    runId,
    correlationId: runId,
    transports: PAIRS[index % PAIRS.length] as readonly [Transport, Transport],
    httpClient: HTTP_CLIENTS[round % HTTP_CLIENTS.length] as HttpClient,
    limitedHttpClient: LIMITED_HTTP_CLIENTS[round % LIMITED_HTTP_CLIENTS.length] as LimitedHttpClient,
    inProcessQueue: IN_PROCESS_QUEUES[round % IN_PROCESS_QUEUES.length] as InProcessQueue,
  };
}

/** Queue names of one soak (unique per soak, so parallel soaks never share a queue). */
export interface BrokerNames {
  bullmq: string;
  rabbitmq: string;
}

/** Run id (and correlation id) of the run the lazy loop starts for the message of `plan`'s run. */
export function loopRunId(plan: RunPlan): string {
  return `${plan.runId}/loop`;
}

/** Request paths on the soak's HTTP server, by transport. */
export const HTTP_PATHS = { http: '/lookup', 'limited-http': '/limited' } as const;

export function httpPath(transport: keyof typeof HTTP_PATHS, plan: RunPlan): string {
  return `${HTTP_PATHS[transport]}?run=${encodeURIComponent(plan.runId)}`;
}

/** One trace a plan must produce. */
export interface ExpectedTrace {
  /** Run id on its root (`soak.run_id`), which is also its correlation id. */
  runId: string;
  shape: SpanShapeObject;
  /** How many spans it holds: the spans of its shape. */
  spans: number;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function countSpans(shape: SpanShapeObject): number {
  return 1 + (shape.children ?? []).reduce((sum: number, child) => sum + countSpans(child as SpanShapeObject), 0);
}

/** A span of run `runId`: every span carries its correlation id; decorated steps also the run id of their data. */
function spanOf(runId: string) {
  const own = { [ATTR_CORRELATION_ID]: runId };
  const ownData = { ...own, [ATTR_SOAK_RUN_ID]: runId };
  return (name: string, kind: SpanShapeObject['kind'], children: SpanShapeObject[] = [], attributes: Record<string, unknown> = {}): SpanShapeObject => ({
    name,
    kind,
    attributes: { ...(kind === 'INTERNAL' ? ownData : own), ...attributes },
    children,
  });
}

/**
 * The exact trace one run must produce: its spans, parent to child, each carrying the run's correlation
 * id. The run's message to the lazy loop shows here only as the step that sent it: the run the loop
 * started for it is a trace of its own (`expectedLoopShape`).
 */
export function expectedRunShape(plan: RunPlan, names: BrokerNames): SpanShapeObject {
  // Every span carries the run's correlation id (from the context); decorated steps also carry the run
  // id of the data they were given, so a step run in another run's context shows up either way.
  const span = spanOf(plan.correlationId);
  // The CLIENT span names the run's own request; the SERVER span the path it came in on.
  const httpHop = (tool: string, transport: keyof typeof HTTP_PATHS): SpanShapeObject =>
    span(`execute_tool ${tool}`, 'INTERNAL', [
      span('GET', 'CLIENT', [span('GET', 'SERVER', [span('answer', 'INTERNAL')], { 'url.path': HTTP_PATHS[transport] })], {
        'url.full': new RegExp(`${escapeRegExp(httpPath(transport, plan))}$`),
      }),
    ]);
  const hops: Record<Transport, SpanShapeObject> = {
    http: httpHop('http_lookup', 'http'),
    'limited-http': httpHop('limited_lookup', 'limited-http'),
    'in-process': span('hand_off', 'INTERNAL', [span(`process ${plan.inProcessQueue}`, 'CONSUMER', [span('crunch', 'INTERNAL')])]),
    bullmq: span('enqueue_job', 'INTERNAL', [span(`send ${names.bullmq}`, 'PRODUCER', [span(`process ${names.bullmq}`, 'CONSUMER', [span('job_step', 'INTERNAL')])])]),
    rabbitmq: span('publish_message', 'INTERNAL', [
      span(`publish ${names.rabbitmq}`, 'PRODUCER', [span(`process ${names.rabbitmq}`, 'CONSUMER', [span('message_step', 'INTERNAL')])]),
    ]),
    'lazy-loop': span('hand_to_loop', 'INTERNAL'),
  };
  return span(`invoke_agent ${AGENT_NAME}`, 'INTERNAL', [span('plan', 'INTERNAL', [span('think', 'INTERNAL')]), ...plan.transports.map((t) => hops[t])]);
}

/**
 * The trace of the run the lazy loop started for the message of `plan`'s run: a root (a new trace,
 * linked to the span that started the loop), with the message's own correlation id and the run
 * that sent it, and its step.
 */
export function expectedLoopShape(plan: RunPlan): SpanShapeObject {
  const span = spanOf(loopRunId(plan));
  return span(`invoke_agent ${LOOP_RUN_NAME}`, 'INTERNAL', [span('loop_step', 'INTERNAL')], { [ATTR_SOAK_SENT_BY]: plan.runId });
}

/** Every trace the plan must produce: the run's own, then the lazy loop's run for its message, if it sent one. */
export function expectedTraces(plan: RunPlan, names: BrokerNames): ExpectedTrace[] {
  const traces = [{ runId: plan.runId, shape: expectedRunShape(plan, names) }];
  if (plan.transports.includes('lazy-loop')) traces.push({ runId: loopRunId(plan), shape: expectedLoopShape(plan) });
  return traces.map((t) => ({ ...t, spans: countSpans(t.shape) }));
}

/** How many spans the plan must produce, over all its traces. */
export function expectedSpanCount(plan: RunPlan, names: BrokerNames): number {
  return expectedTraces(plan, names).reduce((sum, t) => sum + t.spans, 0);
}
