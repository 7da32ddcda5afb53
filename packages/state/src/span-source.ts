// Turns the inputs of the lost-update analysis into one small span shape: finished ReadableSpans (an
// in-memory exporter), trace trees (the TraceTree model of @agentrace/core, e.g. from the test kit)
// and Jaeger query-API JSON (decoded by @agentrace/core/jaeger into the same finished spans). Spans
// are matched by shape, not by the SDK's type: the SDK is the application's choice.
import { jaegerTraceToSpans, type JaegerTrace, type JaegerTracesResponse } from '@agentrace/core/jaeger';
import type { AttributeValue, HrTime } from '@opentelemetry/api';
import type { SourceSpan } from './internal-types.js';

/** The structural part of an SDK ReadableSpan the analysis reads (no SDK import needed). */
export interface ReadableSpanLike {
  name: string;
  spanContext(): { traceId: string; spanId: string };
  parentSpanContext?: { spanId: string } | undefined;
  /** SDK 1.x name of the parent id. */
  parentSpanId?: string;
  attributes: Record<string, AttributeValue | undefined>;
  events: readonly { name: string; time: HrTime; attributes?: Record<string, AttributeValue | undefined> }[];
  resource?: { attributes: Record<string, unknown> };
}

/** The structural part of a `TraceTree` (of @agentrace/core) the analysis reads. */
export interface TraceTreeLike {
  traceId: string;
  roots: readonly TraceTreeNodeLike[];
}

/** The structural part of a `TraceTreeNode` (of @agentrace/core) the analysis reads. */
export interface TraceTreeNodeLike {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  serviceName?: string;
  attributes: Record<string, AttributeValue | undefined>;
  events: readonly { name: string; timeMs: number; attributes: Record<string, AttributeValue | undefined> }[];
  children: readonly TraceTreeNodeLike[];
}

/** Everything `findLostUpdates` accepts. */
export type LostUpdateInput =
  | readonly ReadableSpanLike[]
  | readonly TraceTreeLike[]
  | TraceTreeLike
  | JaegerTracesResponse
  | JaegerTrace
  | readonly JaegerTrace[];

function hrTimeToMs(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}

function fromReadableSpan(span: ReadableSpanLike): SourceSpan {
  const { traceId, spanId } = span.spanContext();
  const service = span.resource?.attributes['service.name'];
  return {
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? span.parentSpanId,
    name: span.name,
    serviceName: typeof service === 'string' ? service : undefined,
    attributes: span.attributes,
    events: span.events.map((e) => ({ name: e.name, timeMs: hrTimeToMs(e.time), attributes: e.attributes ?? {} })),
  };
}

function fromTraceTree(tree: TraceTreeLike, out: SourceSpan[]): void {
  const visit = (node: TraceTreeNodeLike): void => {
    out.push({
      traceId: node.traceId,
      spanId: node.spanId,
      parentSpanId: node.parentSpanId,
      name: node.name,
      serviceName: node.serviceName,
      attributes: node.attributes,
      events: node.events.map((e) => ({ name: e.name, timeMs: e.timeMs, attributes: e.attributes })),
    });
    for (const child of node.children) visit(child);
  };
  for (const root of tree.roots) visit(root);
}

function fromJaegerTrace(trace: JaegerTrace, out: SourceSpan[]): void {
  for (const span of jaegerTraceToSpans(trace)) out.push(fromReadableSpan(span));
}

function isTraceTree(value: unknown): value is TraceTreeLike {
  return value !== null && typeof value === 'object' && Array.isArray((value as TraceTreeLike).roots) && typeof (value as TraceTreeLike).traceId === 'string';
}

function isJaegerTrace(value: unknown): value is JaegerTrace {
  return value !== null && typeof value === 'object' && Array.isArray((value as JaegerTrace).spans) && typeof (value as JaegerTrace).traceID === 'string';
}

/** Normalises any accepted input to a list of spans; unknown shapes yield none (the caller reports). */
export function toSourceSpans(input: LostUpdateInput): SourceSpan[] | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  if (!Array.isArray(input)) {
    if (isJaegerTrace(input)) return toSourceSpans([input]);
    if (isTraceTree(input)) return toSourceSpans([input]);
    const data = (input as JaegerTracesResponse).data;
    if (data === null) return [];
    if (Array.isArray(data)) return toSourceSpans(data);
    return undefined;
  }
  const spans: SourceSpan[] = [];
  for (const item of input as readonly unknown[]) {
    if (isJaegerTrace(item)) fromJaegerTrace(item, spans);
    else if (isTraceTree(item)) fromTraceTree(item, spans);
    else if (item !== null && typeof item === 'object' && typeof (item as ReadableSpanLike).spanContext === 'function') spans.push(fromReadableSpan(item as ReadableSpanLike));
    else return undefined;
  }
  return spans;
}
