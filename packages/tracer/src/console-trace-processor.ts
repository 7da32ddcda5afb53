import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { buildTraceTrees, formatTraceTree } from '@agentrace/core';
import type { ConsoleExporterOptions } from './types.js';

/** Traces waiting for their root, and spans per trace: bounds so a root that never ends leaks nothing. */
const MAX_PENDING_TRACES = 1000;
const MAX_SPANS_PER_TRACE = 5000;

/**
 * The `console` exporter: prints each trace as one indented tree once no span of it is open in this
 * process any more, so concurrent runs never interleave, and a request this process makes to itself
 * (client span, then the server span with a remote parent) prints as one tree.
 */
export class ConsoleTraceProcessor implements SpanProcessor {
  private readonly pending = new Map<string, ReadableSpan[]>();
  /** Spans started and not yet ended, per trace. */
  private readonly open = new Map<string, number>();
  private readonly write: (text: string) => void;

  constructor(private readonly options: ConsoleExporterOptions = {}) {
    this.write = options.write ?? ((text) => process.stdout.write(text));
  }

  onStart(span: Span, _parentContext: Context): void {
    const traceId = span.spanContext().traceId;
    this.open.set(traceId, (this.open.get(traceId) ?? 0) + 1);
  }

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    let spans = this.pending.get(traceId);
    if (!spans) {
      if (this.pending.size >= MAX_PENDING_TRACES) this.print(this.pending.keys().next().value as string, '(root still open)');
      spans = [];
      this.pending.set(traceId, spans);
    }
    if (spans.length < MAX_SPANS_PER_TRACE) spans.push(span);
    const open = (this.open.get(traceId) ?? 1) - 1;
    if (open > 0) {
      this.open.set(traceId, open);
      return;
    }
    this.open.delete(traceId);
    this.print(traceId);
  }

  private print(traceId: string, note = ''): void {
    const spans = this.pending.get(traceId);
    this.pending.delete(traceId);
    if (note) this.open.delete(traceId);
    if (!spans?.length) return;
    try {
      for (const tree of buildTraceTrees(spans)) {
        const head = `trace ${tree.traceId}${note ? ` ${note}` : ''}`;
        const body = formatTraceTree(tree, { attributes: this.options.attributes });
        this.write(`${head}\n${body}${body.endsWith('\n') ? '' : '\n'}\n`);
      }
    } catch {
      // Printing is best effort; it must never break the agent.
    }
  }

  async forceFlush(): Promise<void> {
    for (const traceId of [...this.pending.keys()]) this.print(traceId, '(root still open)');
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}
