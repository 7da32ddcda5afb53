import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { buildTraceTrees, formatTraceTree } from '@agentrace/core';
import type { ConsoleExporterOptions } from './types.js';

/** Traces waiting for their root, and spans per trace: bounds so a root that never ends leaks nothing. */
const MAX_PENDING_TRACES = 1000;
const MAX_SPANS_PER_TRACE = 5000;
/** Printed traces whose span names are kept, so a span that starts after its parent ended prints under it. */
const MAX_PRINTED_TRACES = 200;

/**
 * The `console` exporter: prints each trace as one indented tree once no span of it is open in this
 * process any more, so concurrent runs never interleave, and a request this process makes to itself
 * (client span, then the server span with a remote parent) prints as one tree.
 */
export class ConsoleTraceProcessor implements SpanProcessor {
  /** Ended spans per trace id (ids can come from remote parents): at most 1,000 traces of 5,000 spans. */
  private readonly pending = new Map<string, ReadableSpan[]>();
  /** Spans started and not yet ended, per trace. */
  private readonly open = new Map<string, number>();
  /** Span id → name of the last printed traces (oldest first, bounded). */
  private readonly printed = new Map<string, Map<string, string>>();
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
      const known = this.printed.get(traceId);
      const late = known !== undefined && spans.some((span) => known.has(span.parentSpanContext?.spanId ?? ''));
      this.remember(traceId, spans);
      for (const tree of buildTraceTrees(spans)) {
        const head = `trace ${tree.traceId}${note ? ` ${note}` : ''}${late ? ' (late spans)' : ''}`;
        const body = formatTraceTree(tree, { attributes: this.options.attributes, printedParents: known });
        this.write(`${head}\n${body}${body.endsWith('\n') ? '' : '\n'}\n`);
      }
    } catch {
      // Printing is best effort; it must never break the agent.
    }
  }

  private remember(traceId: string, spans: readonly ReadableSpan[]): void {
    let names = this.printed.get(traceId);
    if (names === undefined) {
      if (this.printed.size >= MAX_PRINTED_TRACES) this.printed.delete(this.printed.keys().next().value as string);
      names = new Map();
      this.printed.set(traceId, names);
    }
    for (const span of spans) if (names.size < MAX_SPANS_PER_TRACE) names.set(span.spanContext().spanId, span.name);
  }

  async forceFlush(): Promise<void> {
    for (const traceId of [...this.pending.keys()]) this.print(traceId, '(root still open)');
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}
