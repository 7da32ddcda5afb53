// What each run of the mixed-transport soak does, and therefore which spans its trace must hold.
import type { SpanShapeObject, TraceShape } from '@agentrace/testing';

/** The hops a run can make besides its own nested steps (which every run makes). */
export type Transport = 'http' | 'in-process' | 'bullmq' | 'rabbitmq';
export type HttpClient = 'fetch' | 'undici' | 'node:http';
export type InProcessQueue = 'p-queue' | 'fastq';

export const TRANSPORTS: readonly Transport[] = ['http', 'in-process', 'bullmq', 'rabbitmq'];
export const HTTP_CLIENTS: readonly HttpClient[] = ['fetch', 'undici', 'node:http'];
export const IN_PROCESS_QUEUES: readonly InProcessQueue[] = ['p-queue', 'fastq'];

/** Every pair of transports: run i takes pair i mod 6, so each transport is used by half of the runs. */
const PAIRS: readonly (readonly [Transport, Transport])[] = TRANSPORTS.flatMap((a, i) => TRANSPORTS.slice(i + 1).map((b) => [a, b] as const));

/**
 * Carried in every payload and set from it, as an attribute, on the run's root and on every decorated
 * step (the ones across hops included), so the checks know whose data each span worked on.
 */
export const ATTR_SOAK_RUN_ID = 'soak.run_id';
/** Put on every span of a run by agentrace (decorators, and the run-attributes processor for HTTP and queue spans). */
export const ATTR_CORRELATION_ID = 'agentrace.correlation_id';
export const AGENT_NAME = 'soak-agent';

export interface RunPlan {
  index: number;
  runId: string;
  /** Also the run's correlation id. */
  correlationId: string;
  transports: readonly Transport[];
  /** Round robin over the runs that call HTTP. */
  httpClient: HttpClient;
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
    inProcessQueue: IN_PROCESS_QUEUES[round % IN_PROCESS_QUEUES.length] as InProcessQueue,
  };
}

/** Queue names of one soak (unique per soak, so parallel soaks never share a queue). */
export interface BrokerNames {
  bullmq: string;
  rabbitmq: string;
}

/** The exact trace one run must produce: its spans, parent to child, each carrying the run's correlation id. */
export function expectedRunShape(plan: RunPlan, names: BrokerNames): TraceShape {
  // Every span carries the run's correlation id (from the context); decorated steps also carry the run
  // id of the data they were given, so a step run in another run's context shows up either way.
  const own = { [ATTR_CORRELATION_ID]: plan.correlationId };
  const ownData = { ...own, [ATTR_SOAK_RUN_ID]: plan.runId };
  const span = (name: string, kind: SpanShapeObject['kind'], children: SpanShapeObject[] = []): SpanShapeObject => ({
    name,
    kind,
    attributes: kind === 'INTERNAL' ? ownData : own,
    children,
  });
  const hops: Record<Transport, SpanShapeObject> = {
    http: span('execute_tool http_lookup', 'INTERNAL', [span('GET', 'CLIENT', [span('GET', 'SERVER', [span('answer', 'INTERNAL')])])]),
    'in-process': span('hand_off', 'INTERNAL', [span(`process ${plan.inProcessQueue}`, 'CONSUMER', [span('crunch', 'INTERNAL')])]),
    bullmq: span('enqueue_job', 'INTERNAL', [span(`send ${names.bullmq}`, 'PRODUCER', [span(`process ${names.bullmq}`, 'CONSUMER', [span('job_step', 'INTERNAL')])])]),
    rabbitmq: span('publish_message', 'INTERNAL', [
      span(`publish ${names.rabbitmq}`, 'PRODUCER', [span(`process ${names.rabbitmq}`, 'CONSUMER', [span('message_step', 'INTERNAL')])]),
    ]),
  };
  return {
    name: `invoke_agent ${AGENT_NAME}`,
    kind: 'INTERNAL',
    attributes: ownData,
    children: [span('plan', 'INTERNAL', [span('think', 'INTERNAL')]), ...plan.transports.map((t) => hops[t])],
  };
}

/** How many spans the run's trace must hold: the spans of its expected shape. */
export function expectedSpanCount(plan: RunPlan, names: BrokerNames): number {
  const count = (shape: SpanShapeObject): number => 1 + (shape.children ?? []).reduce((sum: number, child) => sum + count(child as SpanShapeObject), 0);
  return count(expectedRunShape(plan, names) as SpanShapeObject);
}
