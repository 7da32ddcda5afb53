import { context, trace, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { PreciseTimeSpanProcessor } from '@agentrace/core';
import { describe, expect, it } from 'vitest';

const ms = (t: [number, number]): number => t[0] * 1e3 + t[1] / 1e6;

function provider(precise: boolean) {
  const exporter = new InMemorySpanExporter();
  const p = new BasicTracerProvider({
    spanProcessors: [...(precise ? [new PreciseTimeSpanProcessor()] : []), new SimpleSpanProcessor(exporter)],
  });
  return { tracer: p.getTracer('t'), exporter };
}

/** Busy-waits a fraction of a millisecond, so spans start and end at sub-millisecond offsets. */
function spin(micros: number): void {
  const until = performance.now() + micros / 1000;
  while (performance.now() < until);
}

/** 2,000 parent/child pairs whose starts and ends are microseconds apart. */
function nestMany(tracer: ReturnType<BasicTracerProvider['getTracer']>, spansPerSide = 2000): void {
  for (let i = 0; i < spansPerSide; i++) {
    const parent: Span = tracer.startSpan('parent');
    spin((i % 7) * 60);
    const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), parent));
    spin(50);
    child.addEvent('inside');
    child.end();
    parent.end();
  }
}

function outsideParent(spans: ReadableSpan[]): number {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  let outside = 0;
  for (const s of spans) {
    const parent = s.parentSpanContext === undefined ? undefined : byId.get(s.parentSpanContext.spanId);
    if (parent === undefined) continue;
    if (ms(s.startTime) < ms(parent.startTime) || ms(s.endTime) > ms(parent.endTime)) outside++;
  }
  return outside;
}

describe('span times', () => {
  it('the SDK alone rounds starts to the millisecond: children end after their parents', () => {
    const { tracer, exporter } = provider(false);
    nestMany(tracer);
    expect(outsideParent(exporter.getFinishedSpans())).toBeGreaterThan(0);
  });

  it('with PreciseTimeSpanProcessor, no child starts before or ends after its parent; events fall inside', () => {
    const { tracer, exporter } = provider(true);
    nestMany(tracer);
    const spans = exporter.getFinishedSpans();
    expect(outsideParent(spans)).toBe(0);
    expect(spans.filter((s) => s.startTime[1] % 1e6 !== 0).length).toBeGreaterThan(spans.length * 0.9);
    for (const s of spans) {
      for (const e of s.events) {
        expect(ms(e.time)).toBeGreaterThanOrEqual(ms(s.startTime));
        expect(ms(e.time)).toBeLessThanOrEqual(ms(s.endTime));
      }
    }
  });

  it('stays on the wall clock (within a millisecond of Date.now())', () => {
    const { tracer, exporter } = provider(true);
    const before = Date.now();
    tracer.startSpan('s').end();
    const after = Date.now();
    const start = ms(exporter.getFinishedSpans()[0]!.startTime);
    expect(start).toBeGreaterThanOrEqual(before - 1);
    expect(start).toBeLessThan(after + 2);
  });

  it('a start time the caller gives is kept as given', () => {
    const { tracer, exporter } = provider(true);
    tracer.startSpan('given', { startTime: [1_700_000_000, 5] }).end([1_700_000_001, 0]);
    expect(exporter.getFinishedSpans()[0]!.startTime).toEqual([1_700_000_000, 5]);
  });

  it('leaves alone a span that is not the SDK`s', () => {
    const p = new PreciseTimeSpanProcessor();
    const foreign = { startTime: 'not an hrtime' };
    p.onStart(foreign);
    expect(foreign).toEqual({ startTime: 'not an hrtime' });
  });
});
