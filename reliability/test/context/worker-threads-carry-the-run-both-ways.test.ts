// A run carried into a worker thread and back: the worker's spans (its own init()) and the reply's
// spans sit in the run's trace, under the run, with its correlation id. 100 concurrent runs, in the
// real Jaeger; the worker is created lazily inside the first run.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fetchJaegerTraces, jaegerTraceToTree } from '@agentrace/core/jaeger';
import { assertNoCrossRunSpans, assertNoOrphans, assertSpansInTheirRuns, otlpTracesEndpoint } from '@agentrace/testing';
import { expect, it } from 'vitest';

const RUNS = 100;
const repo = fileURLToPath(new URL('../../../', import.meta.url));

it('worker spans and reply spans sit under their own run, in its trace', async () => {
  const service = `worker-threads-${process.pid}-${Date.now().toString(36)}`;
  const { stdout } = await promisify(execFile)(
    `${repo}node_modules/.bin/tsx`,
    ['--tsconfig', `${repo}tsconfig.test.json`, `${repo}reliability/src/worker-thread-agent.ts`],
    { cwd: repo, env: { ...process.env, TSX_TSCONFIG_PATH: `${repo}tsconfig.test.json`, SERVICE_NAME: service, OTLP_TRACES_URL: otlpTracesEndpoint(), RUNS: String(RUNS) }, timeout: 90_000 },
  );
  expect(stdout).toContain(`done ${RUNS}`);
  let trees: ReturnType<typeof jaegerTraceToTree>[] = [];
  for (let attempt = 0; attempt < 60; attempt++) {
    trees = (await fetchJaegerTraces({ service, limit: RUNS * 2 })).map(jaegerTraceToTree);
    const spans = trees.reduce((n, t) => n + count(t.roots), 0);
    if (trees.length >= RUNS && spans >= RUNS * 5) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(trees).toHaveLength(RUNS);
  // Per run: the run, the worker's step and probe, the reply span, the run's own probe.
  assertSpansInTheirRuns(trees, { minProbes: RUNS * 2 });
  assertNoCrossRunSpans(trees, { oneTracePerRun: true });
  assertNoOrphans(trees, { allowRemoteParents: false });
  for (const tree of trees) {
    const names = flatten(tree.roots).map((n) => `${n.serviceName === service ? 'main' : 'worker'}:${n.name}`).sort();
    expect(names).toEqual(['main:invoke_agent handle', 'main:probe', 'main:reply received', 'worker:probe', 'worker:work in worker']);
  }
});

type Node = { children: Node[]; name: string; serviceName?: string };
function flatten(nodes: readonly Node[]): Node[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}
function count(nodes: readonly Node[]): number {
  return flatten(nodes).length;
}
