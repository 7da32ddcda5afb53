// A run carried into a worker thread and back: the worker's spans (its own init()) and the reply's
// spans sit in the run's trace, under the run, with its correlation id. 100 concurrent runs, in the
// real Jaeger; the worker is created lazily inside the first run.
import { assertNoCrossRunSpans, assertNoOrphans, assertSpansInTheirRuns, traceTreeNodes } from '@agentrace/testing';
import { expect, it } from 'vitest';
import { readServiceTrees } from '../utils/jaeger.js';
import { runAgentExportingRuns } from '../utils/run-agent.js';

const RUNS = 100;

it('worker spans and reply spans sit under their own run, in its trace', async () => {
  const service = `worker-threads-${process.pid}-${Date.now().toString(36)}`;
  await runAgentExportingRuns('worker-thread-agent.ts', service, RUNS);
  const trees = await readServiceTrees(service, RUNS * 2, (read) => read.length >= RUNS && read.reduce((n, t) => n + traceTreeNodes(t).length, 0) >= RUNS * 5);
  expect(trees).toHaveLength(RUNS);
  // Per run: the run, the worker's step and probe, the reply span, the run's own probe.
  assertSpansInTheirRuns(trees, { minProbes: RUNS * 2 });
  assertNoCrossRunSpans(trees, { oneTracePerRun: true });
  assertNoOrphans(trees, { allowRemoteParents: false });
  for (const tree of trees) {
    const names = traceTreeNodes(tree).map((n) => `${n.serviceName === service ? 'main' : 'worker'}:${n.name}`).sort();
    expect(names).toEqual(['main:invoke_agent handle', 'main:probe', 'main:reply received', 'worker:probe', 'worker:work in worker']);
  }
});
