// In the real Jaeger: 100 runs submitted through a poller that the first run starts lazily give 100
// traces, one per handled message, each holding exactly its own run.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fetchJaegerTraces, jaegerTraceToTree } from '@agentrace/core/jaeger';
import { assertNoCrossRunSpans, assertNoOrphans, otlpTracesEndpoint, traceTreeNodes } from '@agentrace/testing';
import { expect, it } from 'vitest';

const RUNS = 100;
const repo = fileURLToPath(new URL('../../../', import.meta.url));

it('100 runs through a lazily started poller are 100 traces of their own', async () => {
  const service = `lazy-poller-${process.pid}-${Date.now().toString(36)}`;
  const { stdout } = await promisify(execFile)(
    `${repo}node_modules/.bin/tsx`,
    ['--tsconfig', `${repo}tsconfig.test.json`, `${repo}reliability/src/lazy-poller-agent.ts`],
    { cwd: repo, env: { ...process.env, SERVICE_NAME: service, OTLP_TRACES_URL: otlpTracesEndpoint(), RUNS: String(RUNS) }, timeout: 90_000 },
  );
  expect(stdout).toContain(`done ${RUNS}`);
  let handled: ReturnType<typeof jaegerTraceToTree>[] = [];
  for (let attempt = 0; attempt < 60; attempt++) {
    const trees = (await fetchJaegerTraces({ service, limit: RUNS * 3 })).map(jaegerTraceToTree);
    handled = trees.filter((tree) => traceTreeNodes(tree).some((n) => n.name === 'invoke_agent handle message'));
    if (handled.length >= RUNS && handled.every((t) => traceTreeNodes(t).length === 2)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(handled).toHaveLength(RUNS);
  for (const tree of handled) {
    expect(tree.roots.map((r) => r.name)).toEqual(['invoke_agent handle message']);
    expect(traceTreeNodes(tree).map((n) => n.name).sort()).toEqual(['invoke_agent handle message', 'look up account']);
  }
  assertNoCrossRunSpans(handled, { oneTracePerRun: true });
  assertNoOrphans(handled);
});
