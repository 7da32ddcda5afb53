// In the real Jaeger: 100 runs submitted through a poller that the first run starts lazily give 100
// traces, one per handled message, each holding exactly its own run.
import { assertNoCrossRunSpans, assertNoOrphans, traceTreeNodes, type TraceTree } from '@agentrace/testing';
import { expect, it } from 'vitest';
import { readServiceTrees } from '../utils/jaeger.js';
import { runAgentExportingRuns } from '../utils/run-agent.js';

const RUNS = 100;
const handledOf = (trees: TraceTree[]) => trees.filter((tree) => traceTreeNodes(tree).some((n) => n.name === 'invoke_agent handle message'));

it('100 runs through a lazily started poller are 100 traces of their own', async () => {
  const service = `lazy-poller-${process.pid}-${Date.now().toString(36)}`;
  await runAgentExportingRuns('lazy-poller-agent.ts', service, RUNS);
  const trees = await readServiceTrees(service, RUNS * 3, (read) => {
    const handled = handledOf(read);
    return handled.length >= RUNS && handled.every((t) => traceTreeNodes(t).length === 2);
  });
  const handled = handledOf(trees);
  expect(handled).toHaveLength(RUNS);
  for (const tree of handled) {
    expect(tree.roots.map((r) => r.name)).toEqual(['invoke_agent handle message']);
    expect(traceTreeNodes(tree).map((n) => n.name).sort()).toEqual(['invoke_agent handle message', 'look up account']);
  }
  assertNoCrossRunSpans(handled, { oneTracePerRun: true });
  assertNoOrphans(handled);
});
