// Shared pieces of the tail-sampling tests: seeded ids (the sampler's ratio reads the trace id, so
// seeded ids make a run of the test replay exactly) and a downstream processor that records what the
// sampler passed on.
import type { Context } from '@opentelemetry/api';
import type { IdGenerator, ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Trace and span ids drawn from a seeded random source. */
export class SeededIdGenerator implements IdGenerator {
  constructor(private readonly random: () => number) {}

  private hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += Math.floor(this.random() * 16).toString(16);
    return out;
  }

  generateTraceId(): string {
    return this.hex(32);
  }

  generateSpanId(): string {
    return this.hex(16);
  }
}

/**
 * What reached the export side: ended spans by trace, and whether each one's `onStart` came first
 * (the sampler defers `onStart` of held spans to its decision).
 */
export class RecordingProcessor implements SpanProcessor {
  readonly byTrace = new Map<string, ReadableSpan[]>();
  readonly started = new WeakSet<object>();
  endedWithoutStart = 0;
  ended = 0;
  /** Keep spans by trace (false: count only, for memory tests). */
  constructor(private readonly keepSpans = true) {}

  onStart(span: Span, _context: Context): void {
    this.started.add(span);
  }

  onEnd(span: ReadableSpan): void {
    this.ended++;
    if (!this.started.has(span)) this.endedWithoutStart++;
    if (!this.keepSpans) return;
    const id = span.spanContext().traceId;
    let list = this.byTrace.get(id);
    if (!list) this.byTrace.set(id, (list = []));
    list.push(span);
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}
