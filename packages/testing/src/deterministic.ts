import type { Context, HrTime } from '@opentelemetry/api';
import type { IdGenerator, ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Sequential trace and span ids for snapshots; `restart()` begins again at 1. */
export class SequentialIdGenerator implements IdGenerator {
  private traces = 0;
  private spans = 0;

  generateTraceId(): string {
    return (++this.traces).toString(16).padStart(32, '0');
  }

  generateSpanId(): string {
    return (++this.spans).toString(16).padStart(16, '0');
  }

  restart(): void {
    this.traces = 0;
    this.spans = 0;
  }
}

/** 2024-01-01T00:00:00Z: a round, recognisable origin for logical times. */
const ORIGIN_SECONDS = 1_704_067_200;

/** `ms` whole milliseconds plus `us` microseconds after the origin, in integers (no float drift). */
function logicalTime(ms: number, us = 0): HrTime {
  return [ORIGIN_SECONDS + Math.floor(ms / 1000), (ms % 1000) * 1e6 + us * 1e3];
}

/**
 * A logical clock for snapshots: every span start and end is one tick (1 ms) after the one before,
 * in the order they happened. The SDK's clock has millisecond starts, so two spans started in the
 * same millisecond would otherwise order by chance.
 */
export class LogicalClock implements SpanProcessor {
  private tick = 0;
  private readonly starts = new WeakMap<object, number>();
  private readonly ends = new WeakMap<object, number>();

  onStart(span: Span, _parentContext: Context): void {
    this.starts.set(span, ++this.tick);
  }

  onEnd(span: ReadableSpan): void {
    this.ends.set(span, ++this.tick);
  }

  restart(): void {
    this.tick = 0;
  }

  /**
   * Copies of the spans with logical times. Events keep their order inside their span and sit 1 µs
   * apart right after its start (their order against other spans is not recorded).
   */
  view(spans: readonly ReadableSpan[]): ReadableSpan[] {
    return spans.map((span) => {
      const end = this.ends.get(span) ?? 0;
      const start = this.starts.get(span) ?? end;
      const events = [...span.events].sort((a, b) => a.time[0] - b.time[0] || a.time[1] - b.time[1]);
      const copy: ReadableSpan = {
        name: span.name,
        kind: span.kind,
        spanContext: () => span.spanContext(),
        parentSpanContext: span.parentSpanContext,
        startTime: logicalTime(start),
        endTime: logicalTime(end),
        duration: [Math.floor((end - start) / 1000), ((end - start) % 1000) * 1e6],
        status: span.status,
        attributes: span.attributes,
        links: span.links,
        events: events.map((event, index) => ({ ...event, time: logicalTime(start, index + 1) })),
        ended: span.ended,
        resource: span.resource,
        instrumentationScope: span.instrumentationScope,
        droppedAttributesCount: span.droppedAttributesCount,
        droppedEventsCount: span.droppedEventsCount,
        droppedLinksCount: span.droppedLinksCount,
      };
      return copy;
    });
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/**
 * A seeded pseudo-random number generator (mulberry32): numbers in [0, 1), the same sequence for the
 * same seed, so a random interleaving or schedule of delays replays from its seed.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
