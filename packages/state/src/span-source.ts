// Turns the inputs of the lost-update analysis into one small span shape: finished ReadableSpans (an
// in-memory exporter), trace trees (the TraceTree model of @agentrace/tracer, e.g. from the test kit)
// and Jaeger query-API JSON. Matched by shape, not imported: @agentrace/tracer brings the SDK, which this
// package leaves to the application.
import type { AttributeValue, HrTime } from '@opentelemetry/api';
import type { SourceEvent, SourceSpan } from './internal-types.js';
import type { JaegerSpan, JaegerTrace, JaegerTracesResponse } from './types.js';

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

/** The structural part of a `TraceTree` of @agentrace/tracer the analysis reads. */
export interface TraceTreeLike {
  traceId: string;
  roots: readonly TraceTreeNodeLike[];
}

/** The structural part of a `TraceTreeNode` of @agentrace/tracer the analysis reads. */
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

function tagValue(tag: { type?: string; value: unknown }): AttributeValue | undefined {
  const { value } = tag;
  // Some Jaeger versions hand int64 values back as strings; a numeric version must stay a number.
  if (typeof value === 'string' && tag.type === 'int64' && /^-?\d{1,15}$/.test(value)) return Number(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value as AttributeValue;
  return undefined;
}

function tagsToAttributes(tags: readonly { key: string; type?: string; value: unknown }[] | undefined): Record<string, AttributeValue | undefined> {
  const attributes: Record<string, AttributeValue | undefined> = {};
  for (const tag of tags ?? []) attributes[tag.key] = tagValue(tag);
  return attributes;
}

function fromJaegerSpan(span: JaegerSpan, trace: JaegerTrace): SourceSpan {
  const parent = span.references?.find((r) => r.refType === 'CHILD_OF' && r.traceID === span.traceID);
  const events: SourceEvent[] = [];
  for (const log of span.logs ?? []) {
    const attributes = tagsToAttributes(log.fields);
    // Jaeger keeps an OTel event's name in the `event` field.
    const name = attributes['event'];
    delete attributes['event'];
    events.push({ name: typeof name === 'string' ? name : '', timeMs: log.timestamp / 1000, attributes });
  }
  // Jaeger lists logs by time; equal times keep their order (a stable sort upstream), as events do.
  // Jaeger may drop leading zeros of ids; OTel ids are fixed width, as in-memory spans have them.
  return {
    traceId: span.traceID.padStart(32, '0'),
    spanId: span.spanID.padStart(16, '0'),
    parentSpanId: parent?.spanID.padStart(16, '0'),
    name: span.operationName,
    serviceName: span.processID !== undefined ? trace.processes?.[span.processID]?.serviceName : undefined,
    attributes: tagsToAttributes(span.tags),
    events,
  };
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
    if (isJaegerTrace(input)) return input.spans.map((s) => fromJaegerSpan(s, input));
    if (isTraceTree(input)) {
      const out: SourceSpan[] = [];
      fromTraceTree(input, out);
      return out;
    }
    const data = (input as JaegerTracesResponse).data;
    if (data === null) return [];
    if (Array.isArray(data)) return toSourceSpans(data);
    return undefined;
  }
  const spans: SourceSpan[] = [];
  for (const item of input as readonly unknown[]) {
    if (isJaegerTrace(item)) for (const s of item.spans) spans.push(fromJaegerSpan(s, item));
    else if (isTraceTree(item)) fromTraceTree(item, spans);
    else if (item !== null && typeof item === 'object' && typeof (item as ReadableSpanLike).spanContext === 'function') spans.push(fromReadableSpan(item as ReadableSpanLike));
    else return undefined;
  }
  return spans;
}
