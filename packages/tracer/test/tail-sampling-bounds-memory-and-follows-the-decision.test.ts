// Issue 20, in-process tail sampling: memory stays bounded when a run never ends (the run is decided
// early and the sampler says so once), spans that end or start after the decision follow it, and the
// evidence agentrace's packages record (stale writes, retries, redeliveries, keepRun) keeps a run.
import { context, ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags, type Context, type Span } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { deriveScope, enterScope, keepRun, RunAttributesSpanProcessor } from '@agentrace/core';
import { captureDiagnostics, seededRandom } from '@agentrace/testing';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { installGlobals, TailSamplingSpanProcessor, type TailSamplingOptions } from '@agentrace/tracer';
import { RecordingProcessor, SeededIdGenerator } from './utils/tail-sampling.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(options: TailSamplingOptions, keepSpans = true) {
  const downstream = new RecordingProcessor(keepSpans);
  const sampler = new TailSamplingSpanProcessor(downstream, options);
  const provider = new BasicTracerProvider({ idGenerator: new SeededIdGenerator(seededRandom(7)), spanProcessors: [new RunAttributesSpanProcessor(), sampler] });
  cleanups.push(() => provider.shutdown());
  return { downstream, sampler, tracer: provider.getTracer('tail-sampling-test'), provider };
}

describe('tail sampling memory bounds', () => {
  it('holds at most maxSpansPerRun spans of a run that never ends, decides it early and says so once', () => {
    const diagnostics = captureDiagnostics();
    cleanups.push(() => diagnostics.restore());
    const { downstream, sampler, tracer } = setup({ ratio: 0, maxSpansPerRun: 1000 }, false);
    const root = tracer.startSpan('endless run', {}, ROOT_CONTEXT);
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    let maxHeld = 0;
    let heapAfterWarmup = 0;
    const CHILDREN = 200_000;
    for (let i = 1; i <= CHILDREN; i++) {
      tracer.startSpan('poll', { attributes: { 'poll.index': i, 'poll.note': `a note of some length for poll ${i}` } }, ctx).end();
      if (i % 1000 === 0) maxHeld = Math.max(maxHeld, sampler.stats().heldSpans);
      if (i === 20_000) heapAfterWarmup = heapMb();
    }
    const growth = heapMb() - heapAfterWarmup;
    const stats = sampler.stats();
    expect(maxHeld).toBeLessThanOrEqual(1000);
    expect(stats.heldSpans).toBe(0);
    expect(stats.decidedEarly).toEqual({ runBudget: 1, heldBudget: 0, age: 0, shutdown: 0, total: 1 });
    // No reason to keep it and a ratio of 0: dropped early, and every later span follows.
    expect(stats.dropped).toBe(1);
    expect(stats.spans).toEqual({ kept: 0, dropped: CHILDREN });
    expect(downstream.ended).toBe(0);
    // 180,000 more spans held would be hundreds of MB; bounded, the heap does not grow with them.
    expect(growth).toBeLessThan(30);
    const warnings = diagnostics.messages.filter((m) => m.text.includes('maxSpansPerRun'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.text).toContain('decided then, on what it had shown so far (dropped)');
    root.end();
  });

  it('decides the oldest runs early when all held runs together reach maxHeldSpans', () => {
    const { sampler, tracer } = setup({ ratio: 0, maxHeldSpans: 5000 }, false);
    let maxHeld = 0;
    const roots = [];
    for (let r = 0; r < 2000; r++) {
      const root = tracer.startSpan(`run ${r}`, {}, ROOT_CONTEXT);
      roots.push(root);
      const ctx = trace.setSpan(ROOT_CONTEXT, root);
      for (let c = 0; c < 9; c++) tracer.startSpan('step', {}, ctx).end();
      maxHeld = Math.max(maxHeld, sampler.stats().heldSpans);
    }
    const stats = sampler.stats();
    expect(maxHeld).toBeLessThanOrEqual(5000);
    expect(stats.heldRuns).toBe(500);
    expect(stats.decidedEarly.heldBudget).toBe(1500);
    for (const root of roots) root.end();
    expect(sampler.stats().heldRuns).toBe(0);
  });

  it('decides a run held past maxHoldMillis when the next run starts', async () => {
    const { downstream, sampler, tracer } = setup({ ratio: 0, maxHoldMillis: 50 });
    const stuck = tracer.startSpan('stuck run', {}, ROOT_CONTEXT);
    const stuckCtx = trace.setSpan(ROOT_CONTEXT, stuck);
    const failing = tracer.startSpan('step', {}, stuckCtx);
    failing.setStatus({ code: SpanStatusCode.ERROR });
    failing.end();
    await new Promise((r) => setTimeout(r, 80));
    tracer.startSpan('next run', {}, ROOT_CONTEXT).end();
    const stats = sampler.stats();
    expect(stats.decidedEarly.age).toBe(1);
    // It failed, so it is kept: the failing step is exported now, the root when it ends.
    expect(stats.kept.failed).toBe(1);
    expect(downstream.byTrace.get(stuck.spanContext().traceId)?.map((s) => s.name)).toEqual(['step']);
    stuck.end();
    expect(downstream.byTrace.get(stuck.spanContext().traceId)?.map((s) => s.name)).toEqual(['step', 'stuck run']);
  });

  it('keeps the runs still open at shutdown as unfinished', async () => {
    const { downstream, sampler, tracer, provider } = setup({ ratio: 0 });
    const open = tracer.startSpan('open run', {}, ROOT_CONTEXT);
    tracer.startSpan('step', {}, trace.setSpan(ROOT_CONTEXT, open)).end();
    await provider.shutdown();
    expect(sampler.stats().kept.unfinished).toBe(1);
    expect(downstream.byTrace.get(open.spanContext().traceId)?.map((s) => s.name)).toEqual(['step']);
  });
});

describe('tail sampling decisions', () => {
  it('spans that end or start after the decision follow it', async () => {
    const { downstream, sampler, tracer } = setup({ ratio: 0 });
    const run = (fail: boolean) => {
      const root = tracer.startSpan('run', {}, ROOT_CONTEXT);
      const ctx = trace.setSpan(ROOT_CONTEXT, root);
      const slowChild = tracer.startSpan('still running', {}, ctx);
      const step = tracer.startSpan('step', {}, ctx);
      if (fail) step.setStatus({ code: SpanStatusCode.ERROR });
      step.end();
      root.end();
      return { traceId: root.spanContext().traceId, ctx, slowChild };
    };
    const failed = run(true);
    const ok = run(false);
    expect(downstream.byTrace.get(failed.traceId)?.map((s) => s.name)).toEqual(['step', 'run']);
    expect(downstream.byTrace.has(ok.traceId)).toBe(false);
    // Late: one span still open at the decision ends, another starts after it (a callback of the run).
    for (const r of [failed, ok]) {
      r.slowChild.end();
      const lateCtx = trace.setSpan(r.ctx, r.slowChild);
      tracer.startSpan('late callback', {}, lateCtx).end();
    }
    expect(downstream.byTrace.get(failed.traceId)?.map((s) => s.name)).toEqual(['step', 'run', 'still running', 'late callback']);
    expect(downstream.byTrace.has(ok.traceId)).toBe(false);
    expect(downstream.endedWithoutStart).toBe(0);
    expect(sampler.stats().spans).toEqual({ kept: 4, dropped: 4 });
  });

  it('a span with a remote parent (a message from another process) starts a run of its own in this process', () => {
    const { downstream, tracer } = setup({ ratio: 0 });
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const consumer = tracer.startSpan('process message', {}, remote);
    const step = tracer.startSpan('apply', {}, trace.setSpan(remote, consumer));
    step.setStatus({ code: SpanStatusCode.ERROR });
    step.end();
    expect(downstream.byTrace.size).toBe(0);
    consumer.end();
    expect(downstream.byTrace.get('0af7651916cd43dd8448eb211c80319c')?.map((s) => s.name)).toEqual(['apply', 'process message']);
  });

  it.each([
    ['staleWrite', (span: Span) => span.addEvent('state.stale_write', { 'state.key': 'k' })],
    ['retry', (span: Span) => span.addEvent('retry', { 'agentrace.retry.attempt': 1 })],
    ['retry', (span: Span) => span.setAttribute('agentrace.retry.attempt', 2)],
    ['retry', (span: Span) => span.setAttribute('agentrace.messaging.redelivered', true)],
    ['retry', (span: Span) => span.setAttribute('agentrace.messaging.attempt', 3)],
    ['flagged', (span: Span) => span.setAttribute('agentrace.sampling.keep', true)],
  ] as const)('keeps a run whose span shows %s', (reason, mark) => {
    const { downstream, sampler, tracer: t } = setup({ ratio: 0 });
    const root = t.startSpan('run', {}, ROOT_CONTEXT);
    const step = t.startSpan('step', {}, trace.setSpan(ROOT_CONTEXT, root));
    mark(step);
    step.end();
    root.end();
    expect(sampler.stats().kept[reason]).toBe(1);
    expect(downstream.byTrace.get(root.spanContext().traceId)).toHaveLength(2);
  });

  it('keepRun() keeps the run: on the active span, and through the run when no span is recording', async () => {
    const { downstream, sampler, tracer: t, provider } = setup({ ratio: 0 });
    cleanups.push(installGlobals(provider));
    const inRun = (fn: (ctx: Context) => void): string => {
      const scope = deriveScope(undefined, `run-${Math.random()}`, undefined, undefined, { ended: false })!;
      const ctx = enterScope(ROOT_CONTEXT, scope, undefined);
      const root = t.startSpan('run', {}, ctx);
      context.with(trace.setSpan(ctx, root), () => fn(trace.setSpan(ctx, root)));
      root.end();
      return root.spanContext().traceId;
    };
    // The active span records: it gets agentrace.sampling.keep.
    const byAttribute = inRun(() => keepRun());
    // Called from a callback whose span has ended already: only the run's flag can carry it.
    const byFlag = inRun((ctx) => {
      const step = t.startSpan('step', {}, ctx);
      step.end();
      context.with(trace.setSpan(ctx, step), () => keepRun());
    });
    const notFlagged = inRun(() => {});
    expect(downstream.byTrace.get(byAttribute)?.[0]?.attributes['agentrace.sampling.keep']).toBe(true);
    expect(downstream.byTrace.get(byFlag)?.map((s) => s.name)).toEqual(['step', 'run']);
    expect(downstream.byTrace.has(notFlagged)).toBe(false);
    expect(sampler.stats().kept.flagged).toBe(2);
  });
});
