// Issue 20, in-process tail sampling with the real packages: the tracer's sampler keeps the runs in
// which @agentrace/state recorded a stale write, @agentrace/decorators a retry, and the agent called
// keepRun(), and drops plain runs (ratio 0). 200 concurrent runs, held and released by the sampler,
// still form exactly their own trees.
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RunAttributesSpanProcessor } from '@agentrace/core';
import { keepRun, traced } from '@agentrace/decorators';
import { guardedWrite } from '@agentrace/state';
import { assertSpansInTheirRuns, buildTraceTrees, seededRandom } from '@agentrace/testing';
import { installGlobals, TailSamplingSpanProcessor } from '@agentrace/tracer';
import { afterAll, describe, expect, it } from 'vitest';

const exporter = new InMemorySpanExporter();
const sampler = new TailSamplingSpanProcessor(new SimpleSpanProcessor(exporter), { ratio: 0 });
const provider = new BasicTracerProvider({ spanProcessors: [new RunAttributesSpanProcessor(), sampler] });
const uninstall = installGlobals(provider);
afterAll(async () => {
  uninstall();
  await provider.shutdown();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Kind = 'plain' | 'stale' | 'retry' | 'flagged' | 'flagged-late';

let flaky = new Map<string, number>();
const callModel = traced(
  'call model',
  async (id: string, fail: boolean) => {
    const n = (flaky.get(id) ?? 0) + 1;
    flaky.set(id, n);
    trace.getActiveSpan()?.setAttribute('test.owner', id);
    await sleep(1);
    if (fail && n === 1) throw new Error('model overloaded');
    return 'ok';
  },
  { retry: { attempts: 2, backoff: () => 1 } },
);

const save = traced('save answer', async (id: string, stale: boolean) => {
  trace.getActiveSpan()?.setAttribute('test.owner', id);
  await guardedWrite(`answer:${id}`, async () => 'written', { readVersion: 1, currentVersion: () => (stale ? 2 : 1), onStale: 'proceed' });
});

const handle = traced(
  'handle request',
  async (id: string, kind: Kind) => {
    await callModel(id, kind === 'retry');
    if (kind === 'flagged') keepRun();
    // keepRun from a callback after the step's span ended: the run's own flag carries it.
    if (kind === 'flagged-late') await new Promise<void>((resolve) => setTimeout(() => (keepRun(), resolve()), 1));
    await save(id, kind === 'stale');
  },
  { type: 'run', correlationId: (id: string) => id },
);

describe('tail sampling with the real packages', () => {
  it('keeps the runs with a stale write, a retry or keepRun(), drops plain ones, and every run keeps its own tree', async () => {
    const random = seededRandom(2020);
    const kinds: Kind[] = ['plain', 'stale', 'retry', 'flagged', 'flagged-late'];
    const runs = Array.from({ length: 200 }, (_, i) => ({ id: `run-${i}`, kind: kinds[Math.floor(random() * kinds.length)]! }));
    flaky = new Map();
    await Promise.all(runs.map(({ id, kind }) => context.with(context.active(), () => handle(id, kind))));

    const spans = exporter.getFinishedSpans();
    const keptRuns = new Set(spans.map((s) => s.attributes['agentrace.correlation_id']));
    for (const { id, kind } of runs) expect(keptRuns.has(id), `${id} (${kind})`).toBe(kind !== 'plain');
    const stats = sampler.stats();
    const count = (k: Kind) => runs.filter((r) => r.kind === k).length;
    expect(stats.kept).toMatchObject({ staleWrite: count('stale'), retry: count('retry'), flagged: count('flagged') + count('flagged-late'), failed: 0, sampled: 0 });
    expect(stats.dropped).toBe(count('plain'));
    // Each kept run whole: run, model call (and its attempts), save.
    for (const tree of buildTraceTrees(spans)) {
      const names = spans.filter((s) => s.spanContext().traceId === tree.traceId).map((s) => s.name).sort();
      expect(names.filter((n) => n.endsWith('handle request') || n === 'save answer' || n === 'call model')).toEqual(['call model', 'invoke_agent handle request', 'save answer']);
    }
    assertSpansInTheirRuns(spans, { minProbes: 2 * (runs.length - count('plain')) });
  });
});
