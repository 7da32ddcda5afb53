// The mixed-transport concurrency soak: N decorated runs started at once, each making two hops among
// HTTP, HTTP through 2-connection dispatchers, an in-process queue, BullMQ, RabbitMQ and a poller one
// of the runs starts lazily (whose handler starts runs of their own), then checked span by span with
// the test kit.
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
  type TraceTreeNode,
} from '@agentrace/testing';
import { SoakAgent } from './mixed-agent.js';
import {
  ATTR_CORRELATION_ID,
  ATTR_SOAK_RUN_ID,
  ATTR_SOAK_SENT_BY,
  expectedTraces,
  HTTP_CLIENTS,
  HTTP_PATHS,
  IN_PROCESS_QUEUES,
  LIMITED_HTTP_CLIENTS,
  LOOP_RUN_NAME,
  planRun,
  TRANSPORTS,
  type BrokerNames,
  type ExpectedTrace,
  type RunPlan,
} from './mixed-plan.js';
import { startMixedTransports, type LazyLoopStats, type MixedTransportsOptions } from './mixed-transports.js';

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
  /** Errors emitted by the broker clients or by the loop's runs. */
  errors: string[];
  /** What the lazy loop saw as messages came. */
  loop: LazyLoopStats;
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
      loop: transports.loop,
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

/** Each run's trace (the soak's runs and the loop's), by the run id on its root; traces without exactly one root are left out (and counted). */
function runTrees(trees: readonly TraceTree[]): Map<string, TraceTree> {
  const byRun = new Map<string, TraceTree>();
  for (const tree of trees) {
    const runId = tree.roots.length === 1 ? tree.roots[0]!.attributes[ATTR_SOAK_RUN_ID] : undefined;
    if (typeof runId === 'string') byRun.set(runId, tree);
  }
  return byRun;
}

function allExpectedTraces(result: MixedSoakResult): ExpectedTrace[] {
  return result.plans.flatMap((plan) => expectedTraces(plan, result.names));
}

const isLoopRun = (node: TraceTreeNode): boolean => node.name === `invoke_agent ${LOOP_RUN_NAME}`;

/**
 * The runs the lazy loop started whose root links to the span that started the loop: the
 * `hand_to_loop` step of the one run the loop kept the context of. The rest are named.
 */
function loopLinks(trees: readonly TraceTree[], result: MixedSoakResult): { linked: number; problems: string[] } {
  const [starter, ...others] = [...result.loop.startedIn];
  const problems = others.length > 0 ? [`the loop ran in the context of ${result.loop.startedIn.size} runs: ${[...result.loop.startedIn].join(', ')}`] : [];
  const handToLoop = new Map<string, TraceTreeNode>();
  for (const node of traceTreeNodes(trees)) if (node.name === 'hand_to_loop') handToLoop.set(node.spanId, node);
  let linked = 0;
  for (const tree of trees) {
    const root = tree.roots.length === 1 ? tree.roots[0] : undefined;
    if (root === undefined || !isLoopRun(root)) continue;
    const link = root.links.length === 1 ? root.links[0] : undefined;
    const target = link === undefined ? undefined : handToLoop.get(link.spanId);
    if (target !== undefined && target.traceId === link?.traceId && target.attributes[ATTR_CORRELATION_ID] === starter) linked++;
    else if (problems.length < 10) {
      const links = JSON.stringify(root.links.map((l) => l.spanId));
      problems.push(`${String(root.attributes[ATTR_CORRELATION_ID])} (trace ${tree.traceId}) links to ${links}, not the hand_to_loop step of ${String(starter)}`);
    }
  }
  return { linked, problems };
}

/**
 * Asserts with the test kit that every run is exactly its own tree: no span left open, no orphan,
 * no trace mixing runs and no run split over traces, and each run's trace has exactly the spans the
 * run made, parent to child, each carrying the run's correlation id. A run that sent a message to the
 * lazy loop has a second trace: the loop's run for that message, with its own correlation id, exactly
 * its spans, and a link to the step that started the loop. Throws the first failure.
 */
export function assertMixedSoak(tracing: TestTracing, result: MixedSoakResult): void {
  assertAllSpansEnded(tracing);
  const trees = getTraceTrees(tracing);
  assertNoOrphans(trees);
  // By the context's correlation id, then by the run id of the data each step was given.
  assertNoCrossRunSpans(trees, { oneTracePerRun: true });
  assertNoCrossRunSpans(trees, { attribute: ATTR_SOAK_RUN_ID, oneTracePerRun: true });
  const byRun = runTrees(trees);
  const expected = allExpectedTraces(result);
  if (trees.length !== expected.length || byRun.size !== expected.length) {
    throw new Error(
      `Expected ${expected.length} traces (${result.plans.length} runs and ${expected.length - result.plans.length} started by the lazy loop), one rooted at each run; got ${trees.length} traces, ${byRun.size} rooted at a run.`,
    );
  }
  for (const { runId, shape } of expected) {
    const tree = byRun.get(runId);
    if (tree === undefined) throw new Error(`No trace is rooted at run ${runId}.`);
    assertTraceShape(tree, shape);
  }
  const { problems } = loopLinks(trees, result);
  if (problems.length > 0) throw new Error(`The lazy loop's runs are not all linked to the step that started the loop:\n  ${problems.join('\n  ')}`);
}

export interface MixedSoakSummary {
  runs: number;
  runsMs: number;
  peakInFlight: number;
  spans: number;
  traces: number;
  /** Traces whose only root is a run span (the soak's runs and the loop's). */
  tracesWithOneRunRoot: number;
  /** Of those, the runs the lazy loop started. */
  loopTraces: number;
  /** Runs using each transport, and each HTTP client and in-process queue. */
  runsBy: Record<string, number>;
  /** Spans made at each hop. */
  spansBy: Record<string, number>;
  /** Spans whose parent is not in their trace. */
  orphans: number;
  /** Spans whose correlation id, or the run id of the data they worked on, is not the run at the root of their trace. */
  wrongRun: number;
  open: number;
  /** Expected traces (a run's, or the loop's run for its message) missing, or holding a different number of spans than the run made. */
  wrongSpanCount: number;
  /**
   * The lazy loop: how many runs' contexts it kept (1: the run that started it, `starter`), messages
   * handled while that run was live and after it ended, and loop runs linked to the step that started the loop.
   */
  loop: { startedIn: number; starter: string | undefined; whileStarterLive: number; afterStarterEnded: number; linkedToStarter: number };
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
  const wrongSpanCount = allExpectedTraces(result).filter((expected) => {
    const tree = byRun.get(expected.runId);
    return !tree || traceTreeNodes(tree).length !== expected.spans;
  }).length;
  const runsBy: Record<string, number> = {};
  const count = (key: string): void => void (runsBy[key] = (runsBy[key] ?? 0) + 1);
  for (const plan of result.plans) {
    for (const transport of plan.transports) count(transport);
    if (plan.transports.includes('http')) count(`http ${plan.httpClient}`);
    if (plan.transports.includes('limited-http')) count(`limited-http ${plan.limitedHttpClient}`);
    if (plan.transports.includes('in-process')) count(`in-process ${plan.inProcessQueue}`);
  }
  const { bullmq, rabbitmq } = result.names;
  const httpSpans = (kind: 'CLIENT' | 'SERVER', path: string): number =>
    findSpans(spans, { kind }).filter((span) =>
      kind === 'CLIENT' ? String(span.attributes['url.full']).includes(`${path}?`) : span.attributes['url.path'] === path,
    ).length;
  const spansBy: Record<string, number> = {
    'http CLIENT': httpSpans('CLIENT', HTTP_PATHS.http),
    'http SERVER': httpSpans('SERVER', HTTP_PATHS.http),
    'limited-http CLIENT': httpSpans('CLIENT', HTTP_PATHS['limited-http']),
    'limited-http SERVER': httpSpans('SERVER', HTTP_PATHS['limited-http']),
    ...Object.fromEntries(IN_PROCESS_QUEUES.map((q) => [`in-process process ${q}`, findSpans(spans, { name: `process ${q}`, kind: 'CONSUMER' }).length])),
    'bullmq send': findSpans(spans, { name: `send ${bullmq}`, kind: 'PRODUCER' }).length,
    'bullmq process': findSpans(spans, { name: `process ${bullmq}`, kind: 'CONSUMER' }).length,
    'rabbitmq publish': findSpans(spans, { name: `publish ${rabbitmq}`, kind: 'PRODUCER' }).length,
    'rabbitmq process': findSpans(spans, { name: `process ${rabbitmq}`, kind: 'CONSUMER' }).length,
    'lazy-loop hand_to_loop': findSpans(spans, { name: 'hand_to_loop' }).length,
    'lazy-loop run': findSpans(spans, { name: `invoke_agent ${LOOP_RUN_NAME}` }).length,
    'lazy-loop loop_step': findSpans(spans, { name: 'loop_step' }).length,
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
    loopTraces: trees.filter((tree) => tree.roots.length === 1 && isLoopRun(tree.roots[0]!) && tree.roots[0]!.attributes[ATTR_SOAK_SENT_BY] !== undefined).length,
    runsBy,
    spansBy,
    orphans,
    wrongRun,
    open: tracing.openSpans().length,
    wrongSpanCount,
    loop: {
      startedIn: result.loop.startedIn.size,
      starter: [...result.loop.startedIn][0],
      whileStarterLive: result.loop.whileStarterLive,
      afterStarterEnded: result.loop.afterStarterEnded,
      linkedToStarter: loopLinks(trees, result).linked,
    },
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
    `  spans ${n(s.spans)} in ${n(s.traces)} traces; ${n(s.tracesWithOneRunRoot)} traces have exactly one root, a run span (${n(s.loopTraces)} of them runs the lazy loop started)`,
    `  runs per transport: decorated steps ${n(s.runs)}, ${list(TRANSPORTS, s.runsBy)}`,
    `  runs per client: ${list(
      [...HTTP_CLIENTS.map((c) => `http ${c}`), ...LIMITED_HTTP_CLIENTS.map((c) => `limited-http ${c}`), ...IN_PROCESS_QUEUES.map((q) => `in-process ${q}`)],
      s.runsBy,
    )}`,
    `  spans per hop: ${list(Object.keys(s.spansBy), s.spansBy)}`,
    `  most messages in flight at once in a consumer: bullmq ${n(s.consumerPeak.bullmq)}, rabbitmq ${n(s.consumerPeak.rabbitmq)}`,
    `  lazy loop: kept the context of ${n(s.loop.startedIn)} run (${String(s.loop.starter)}); messages handled while that run was live ${n(s.loop.whileStarterLive)}, after it ended ${n(s.loop.afterStarterEnded)}; loop runs linked to the step that started the loop ${n(s.loop.linkedToStarter)}`,
    `  orphaned spans ${n(s.orphans)}, spans in the wrong run ${n(s.wrongRun)}, spans left open ${n(s.open)}, runs with the wrong span count ${n(s.wrongSpanCount)}`,
    `  handlers that saw another run's context ${n(s.mismatches)}, messages lost or duplicated ${n(s.lost)}, broker client errors ${n(s.brokerErrors)}, failed runs ${n(s.failedRuns)}`,
  ].join('\n');
}
