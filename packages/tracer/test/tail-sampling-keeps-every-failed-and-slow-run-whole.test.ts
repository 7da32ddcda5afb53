// Issue 20, in-process tail sampling: 10,000 runs, 3% failing, 2% slow, the sampler at 1% for the
// rest. Every failing and slow run reaches the export processors whole, no run reaches them in part,
// and the rest kept is within the binomial bounds stated below. Ids and choices come from a seeded
// random source and span times are given explicitly, so the test replays exactly.
import { ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { seededRandom } from '@agentrace/testing';
import { describe, expect, it } from 'vitest';
import { TailSamplingSpanProcessor } from '@agentrace/tracer';
import { RecordingProcessor, SeededIdGenerator } from './utils/tail-sampling.js';

const RUNS = 10_000;
const FAILING = 300; // 3%
const SLOW = 200; // 2%
const RATIO = 0.01;
const SLOW_MS = 1000;
const SPANS_PER_RUN = 4;
/** Runs in flight at once: their spans interleave in the sampler as concurrent runs' do. */
const CONCURRENT = 500;

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('tail sampling, in process', () => {
  it('keeps every failing and slow run whole and about 1% of the rest, within binomial bounds', async () => {
    const random = seededRandom(20);
    const downstream = new RecordingProcessor();
    const sampler = new TailSamplingSpanProcessor(downstream, { ratio: RATIO, slowRunMillis: SLOW_MS });
    const provider = new BasicTracerProvider({ idGenerator: new SeededIdGenerator(random), spanProcessors: [sampler] });
    const tracer = provider.getTracer('tail-sampling-test');

    const kinds = shuffle(
      Array.from({ length: RUNS }, (_, i) => (i < FAILING ? 'failing' : i < FAILING + SLOW ? 'slow' : 'ok') as 'failing' | 'slow' | 'ok'),
      random,
    );
    const traceIdsOf = { failing: new Set<string>(), slow: new Set<string>(), ok: new Set<string>() };
    const t0 = Date.UTC(2026, 0, 1);

    for (let first = 0; first < RUNS; first += CONCURRENT) {
      const batch = kinds.slice(first, first + CONCURRENT).map((kind, k) => {
        const start = t0 + (first + k) * 10;
        const root = tracer.startSpan('handle message', { startTime: start }, ROOT_CONTEXT);
        traceIdsOf[kind].add(root.spanContext().traceId);
        const ctx = trace.setSpan(ROOT_CONTEXT, root);
        const children = ['plan', 'call tool', 'answer'].map((name, c) => tracer.startSpan(name, { startTime: start + c }, ctx));
        return { kind, start, root, children };
      });
      // Children end first, in an order mixed across runs; then the roots, mixed again.
      const ends: { span: Span; at: number; fail: boolean; root: boolean }[] = [];
      for (const run of batch) {
        const length = run.kind === 'slow' ? SLOW_MS + 500 : 20;
        run.children.forEach((span, c) => ends.push({ span, at: run.start + c + 5, fail: run.kind === 'failing' && c === 1, root: false }));
        ends.push({ span: run.root, at: run.start + length, fail: run.kind === 'failing' && run.start % 20 === 0, root: true });
      }
      const childEnds = shuffle(ends.filter((e) => !e.root), random);
      const rootEnds = shuffle(ends.filter((e) => e.root), random);
      for (const e of [...childEnds, ...rootEnds]) {
        if (e.fail) e.span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
        e.span.end(e.at);
      }
    }

    const kept = downstream.byTrace;
    // Every failing and every slow run, whole.
    for (const kind of ['failing', 'slow'] as const) {
      const missing = [...traceIdsOf[kind]].filter((id) => kept.get(id)?.length !== SPANS_PER_RUN);
      expect(missing, `${kind} runs not kept whole`).toEqual([]);
    }
    // No run reaches export in part, and the export side saw each span start before it ended.
    const partial = [...kept].filter(([, spans]) => spans.length !== SPANS_PER_RUN);
    expect(partial).toEqual([]);
    expect(downstream.endedWithoutStart).toBe(0);

    // The rest: 9,500 runs at p = 0.01, mean 95, standard deviation sqrt(9500 * 0.01 * 0.99) = 9.70.
    // Bounds mean ± 4.5 sd: [51, 139]; a fair sampler falls outside with probability below 1e-5.
    const rest = RUNS - FAILING - SLOW;
    const mean = rest * RATIO;
    const sd = Math.sqrt(rest * RATIO * (1 - RATIO));
    const [low, high] = [Math.floor(mean - 4.5 * sd), Math.ceil(mean + 4.5 * sd)];
    expect([low, high]).toEqual([51, 139]);
    const keptRest = [...traceIdsOf.ok].filter((id) => kept.has(id)).length;
    expect(keptRest).toBeGreaterThanOrEqual(low);
    expect(keptRest).toBeLessThanOrEqual(high);
    console.log(`tail sampling: kept ${keptRest} of ${rest} runs with no reason to keep (expected ${mean}, bounds [${low}, ${high}])`);

    // Every decision is counted, by reason.
    const stats = sampler.stats();
    expect(stats.decided).toBe(RUNS);
    expect(stats.kept).toEqual({ failed: FAILING, slow: SLOW, staleWrite: 0, retry: 0, flagged: 0, sampled: keptRest, unfinished: 0, total: FAILING + SLOW + keptRest });
    expect(stats.dropped).toBe(rest - keptRest);
    expect(stats.decidedEarly.total).toBe(0);
    expect(stats.spans).toEqual({ kept: (FAILING + SLOW + keptRest) * SPANS_PER_RUN, dropped: (rest - keptRest) * SPANS_PER_RUN });
    expect([stats.heldRuns, stats.heldSpans]).toEqual([0, 0]);
    await provider.shutdown();
  });
});
