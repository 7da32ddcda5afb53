// The mixed-transport concurrency soak: N decorated runs started at once, each making two hops among
// HTTP, an in-process queue, BullMQ and RabbitMQ, then checked span by span with the test kit.
import {
  assertAllSpansEnded,
  assertNoCrossRunSpans,
  assertNoOrphans,
  assertTraceShape,
  findSpans,
  getTraceTrees,
  traceTreeNodes,
  type TestTracing,
  type TraceTree,
} from '@agentrace/testing';
import { SoakAgent } from './mixed-agent.js';
import {
  ATTR_CORRELATION_ID,
  ATTR_SOAK_RUN_ID,
  expectedRunShape,
  expectedSpanCount,
  HTTP_CLIENTS,
  IN_PROCESS_QUEUES,
  planRun,
  TRANSPORTS,
  type BrokerNames,
  type RunPlan,
} from './mixed-plan.js';
import { startMixedTransports, type MixedTransportsOptions } from './mixed-transports.js';

export interface MixedSoakOptions extends Omit<MixedTransportsOptions, 'tracerProvider'> {
  runs: number;
  /** An in-memory setup (`setupTracing()`); the soak resets it after the consumers have started. */
  tracing: TestTracing;
  /** How long to let spans still closing after the last run (a consumer span ends after it signals) end. Default 15 000 ms. */
  settleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface MixedSoakResult {
  plans: RunPlan[];
  names: BrokerNames;
  /** From the start of the runs to the end of the last one. */
  runsMs: number;
  /** The most runs in flight at the same moment. */
  peakInFlight: number;
  /** Runs whose promise rejected, with the reason. */
  failedRuns: string[];
  /** Places that saw the wrong correlation id (see MixedTransports.mismatches). */
  mismatches: string[];
  /** Errors emitted by the broker clients. */
  errors: string[];
  lost: string[];
  unexpected: string[];
  /** Spans still open when the check ran (the soak waited up to settleTimeoutMs for them). */
  openAtCheck: number;
}

export async function runMixedSoak(options: MixedSoakOptions): Promise<MixedSoakResult> {
  const { runs, tracing, settleTimeoutMs = 15_000, log = () => {}, ...transportOptions } = options;
  const transports = await startMixedTransports({ ...transportOptions, tracerProvider: tracing.provider });
  try {
    // Forget the boot span: a consumer span wrongly parented to the boot context is then an orphan.
    tracing.reset();
    const soakAgent = new SoakAgent(transports);
    const plans = Array.from({ length: runs }, (_, i) => planRun(i));
    log(`starting ${runs} runs`);
    const started = performance.now();
    const settled = await Promise.allSettled(plans.map((plan) => soakAgent.handle(plan)));
    const runsMs = performance.now() - started;
    log(`runs done in ${(runsMs / 1000).toFixed(1)} s; waiting for the last spans to end`);
    const deadline = Date.now() + settleTimeoutMs;
    while (tracing.openSpans().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const failedRuns = settled.flatMap((s, i) => (s.status === 'rejected' ? [`${plans[i]!.runId}: ${describeError(s.reason)}`] : []));
    return {
      plans,
      names: transports.names,
      runsMs,
      peakInFlight: soakAgent.peakInFlight,
      failedRuns,
      mismatches: transports.mismatches,
      errors: transports.errors,
      lost: transports.lost,
      unexpected: transports.unexpected,
      openAtCheck: tracing.openSpans().length,
    };
  } finally {
    await transports.close();
  }
}

function describeError(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause === undefined ? String(error) : `${String(error)} (cause: ${describeError(cause)})`;
}

/** Each run's trace, by the run id on its root; traces without exactly one root are left out (and counted). */
function runTrees(trees: readonly TraceTree[]): Map<string, TraceTree> {
  const byRun = new Map<string, TraceTree>();
  for (const tree of trees) {
    const runId = tree.roots.length === 1 ? tree.roots[0]!.attributes[ATTR_SOAK_RUN_ID] : undefined;
    if (typeof runId === 'string') byRun.set(runId, tree);
  }
  return byRun;
}

/**
 * Asserts with the test kit that every run is exactly its own tree: no span left open, no orphan,
 * no trace mixing runs and no run split over traces, and each run's trace has exactly the spans the
 * run made, parent to child, each carrying the run's correlation id. Throws the first failure.
 */
export function assertMixedSoak(tracing: TestTracing, result: MixedSoakResult): void {
  assertAllSpansEnded(tracing);
  const trees = getTraceTrees(tracing);
  assertNoOrphans(trees);
  // By the context's correlation id, then by the run id of the data each step was given.
  assertNoCrossRunSpans(trees, { oneTracePerRun: true });
  assertNoCrossRunSpans(trees, { attribute: ATTR_SOAK_RUN_ID, oneTracePerRun: true });
  const byRun = runTrees(trees);
  if (trees.length !== result.plans.length || byRun.size !== result.plans.length) {
    throw new Error(`Expected ${result.plans.length} traces, one rooted at each run; got ${trees.length} traces, ${byRun.size} rooted at a run.`);
  }
  for (const plan of result.plans) assertTraceShape(byRun.get(plan.runId)!, expectedRunShape(plan, result.names));
}

export interface MixedSoakSummary {
  runs: number;
  runsMs: number;
  peakInFlight: number;
  spans: number;
  traces: number;
  /** Traces whose only root is the run span. */
  tracesWithOneRunRoot: number;
  /** Runs using each transport, and each HTTP client and in-process queue. */
  runsBy: Record<string, number>;
  /** Spans made at each hop. */
  spansBy: Record<string, number>;
  /** Spans whose parent is not in their trace. */
  orphans: number;
  /** Spans whose correlation id, or the run id of the data they worked on, is not the run at the root of their trace. */
  wrongRun: number;
  open: number;
  /** Runs without a trace, or whose trace holds a different number of spans than the run made. */
  wrongSpanCount: number;
  /** The most messages a broker consumer handled at once (`agentrace.consumer.in_flight`): the consumers interleaved runs. */
  consumerPeak: { bullmq: number; rabbitmq: number };
  failedRuns: number;
  mismatches: number;
  lost: number;
  brokerErrors: number;
}

/** The figures for RELIABILITY.md, counted over every span (assertMixedSoak says which span is wrong, this says how many). */
export function summarizeMixedSoak(tracing: TestTracing, result: MixedSoakResult): MixedSoakSummary {
  const spans = tracing.spans();
  const trees = getTraceTrees(spans);
  const byRun = runTrees(trees);
  let orphans = 0;
  let wrongRun = 0;
  for (const tree of trees) {
    orphans += tree.roots.filter((root) => root.parentSpanId !== undefined).length;
    const runId = tree.roots.length === 1 ? tree.roots[0]!.attributes[ATTR_SOAK_RUN_ID] : undefined;
    wrongRun += traceTreeNodes(tree).filter(
      (node) =>
        runId === undefined ||
        node.attributes[ATTR_CORRELATION_ID] !== runId ||
        (node.attributes[ATTR_SOAK_RUN_ID] !== undefined && node.attributes[ATTR_SOAK_RUN_ID] !== runId),
    ).length;
  }
  const wrongSpanCount = result.plans.filter((plan) => {
    const tree = byRun.get(plan.runId);
    return !tree || traceTreeNodes(tree).length !== expectedSpanCount(plan, result.names);
  }).length;
  const runsBy: Record<string, number> = {};
  const count = (key: string): void => void (runsBy[key] = (runsBy[key] ?? 0) + 1);
  for (const plan of result.plans) {
    for (const transport of plan.transports) count(transport);
    if (plan.transports.includes('http')) count(`http ${plan.httpClient}`);
    if (plan.transports.includes('in-process')) count(`in-process ${plan.inProcessQueue}`);
  }
  const { bullmq, rabbitmq } = result.names;
  const spansBy: Record<string, number> = {
    'http CLIENT': findSpans(spans, { kind: 'CLIENT' }).length,
    'http SERVER': findSpans(spans, { kind: 'SERVER' }).length,
    ...Object.fromEntries(IN_PROCESS_QUEUES.map((q) => [`in-process process ${q}`, findSpans(spans, { name: `process ${q}`, kind: 'CONSUMER' }).length])),
    'bullmq send': findSpans(spans, { name: `send ${bullmq}`, kind: 'PRODUCER' }).length,
    'bullmq process': findSpans(spans, { name: `process ${bullmq}`, kind: 'CONSUMER' }).length,
    'rabbitmq publish': findSpans(spans, { name: `publish ${rabbitmq}`, kind: 'PRODUCER' }).length,
    'rabbitmq process': findSpans(spans, { name: `process ${rabbitmq}`, kind: 'CONSUMER' }).length,
  };
  const maxInFlight = (name: string): number =>
    findSpans(spans, { name, kind: 'CONSUMER' }).reduce((max, span) => Math.max(max, Number(span.attributes['agentrace.consumer.in_flight'] ?? 0)), 0);
  return {
    runs: result.plans.length,
    runsMs: result.runsMs,
    peakInFlight: result.peakInFlight,
    spans: spans.length,
    traces: trees.length,
    tracesWithOneRunRoot: byRun.size,
    runsBy,
    spansBy,
    orphans,
    wrongRun,
    open: tracing.openSpans().length,
    wrongSpanCount,
    consumerPeak: { bullmq: maxInFlight(`process ${bullmq}`), rabbitmq: maxInFlight(`process ${rabbitmq}`) },
    failedRuns: result.failedRuns.length,
    mismatches: result.mismatches.length,
    lost: result.lost.length + result.unexpected.length,
    brokerErrors: result.errors.length,
  };
}

export function formatMixedSoak(s: MixedSoakSummary): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const list = (keys: readonly string[], from: Record<string, number>): string => keys.map((k) => `${k} ${n(from[k] ?? 0)}`).join(', ');
  return [
    `mixed-transport soak: ${n(s.runs)} runs started at once (peak ${n(s.peakInFlight)} in flight), all done in ${(s.runsMs / 1000).toFixed(1)} s`,
    `  spans ${n(s.spans)} in ${n(s.traces)} traces; ${n(s.tracesWithOneRunRoot)} traces have exactly one root, the run span`,
    `  runs per transport: decorated steps ${n(s.runs)}, ${list(TRANSPORTS, s.runsBy)}`,
    `  runs per client: ${list([...HTTP_CLIENTS.map((c) => `http ${c}`), ...IN_PROCESS_QUEUES.map((q) => `in-process ${q}`)], s.runsBy)}`,
    `  spans per hop: ${list(Object.keys(s.spansBy), s.spansBy)}`,
    `  most messages in flight at once in a consumer: bullmq ${n(s.consumerPeak.bullmq)}, rabbitmq ${n(s.consumerPeak.rabbitmq)}`,
    `  orphaned spans ${n(s.orphans)}, spans in the wrong run ${n(s.wrongRun)}, spans left open ${n(s.open)}, runs with the wrong span count ${n(s.wrongSpanCount)}`,
    `  handlers that saw another run's context ${n(s.mismatches)}, messages lost or duplicated ${n(s.lost)}, broker client errors ${n(s.brokerErrors)}, failed runs ${n(s.failedRuns)}`,
  ].join('\n');
}
