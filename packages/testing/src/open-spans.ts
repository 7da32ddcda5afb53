import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Remembers every span started and not yet ended, so a test can show which ones leaked. */
export class OpenSpanTracker implements SpanProcessor {
  private readonly open = new Set<Span | ReadableSpan>();

  onStart(span: Span, _parentContext: Context): void {
    this.open.add(span);
  }

  onEnd(span: ReadableSpan): void {
    this.open.delete(span);
  }

  /** Open spans in the order they started. */
  spans(): ReadableSpan[] {
    return [...this.open] as ReadableSpan[];
  }

  clear(): void {
    this.open.clear();
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    this.open.clear();
  }
}
