import { SpanKind, SpanStatusCode, type AttributeValue } from '@opentelemetry/api';
import type { TraceSpanKind, TraceTree, TraceTreeNode } from '@agentrace/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanSource, TraceSource } from './types.js';

// Internal helpers that let queries and assertions take spans, trees or a tracing setup alike.

export const KIND_NAMES: Record<SpanKind, TraceSpanKind> = {
  [SpanKind.INTERNAL]: 'INTERNAL',
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};

/** The few fields a query looks at, read the same way from a ReadableSpan or a tree node. */
export interface SpanFacts {
  name: string;
  kind: TraceSpanKind;
  traceId: string;
  spanId: string;
  status: 'UNSET' | 'OK' | 'ERROR';
  attributes: Record<string, AttributeValue | undefined>;
}

export function isReadableSpan(value: unknown): value is ReadableSpan {
  return typeof value === 'object' && value !== null && typeof (value as ReadableSpan).spanContext === 'function';
}

export function isTraceTree(value: unknown): value is TraceTree {
  return typeof value === 'object' && value !== null && Array.isArray((value as TraceTree).roots) && typeof (value as TraceTree).traceId === 'string';
}

export function factsOf(span: ReadableSpan | TraceTreeNode): SpanFacts {
  if (isReadableSpan(span)) {
    const { traceId, spanId } = span.spanContext();
    const code = span.status.code;
    return {
      name: span.name,
      kind: KIND_NAMES[span.kind] ?? 'INTERNAL',
      traceId,
      spanId,
      status: code === SpanStatusCode.ERROR ? 'ERROR' : code === SpanStatusCode.OK ? 'OK' : 'UNSET',
      attributes: span.attributes,
    };
  }
  return { name: span.name, kind: span.kind, traceId: span.traceId, spanId: span.spanId, status: span.status.code, attributes: span.attributes };
}

export function spansOf(source: SpanSource): readonly ReadableSpan[] {
  return 'spans' in source && typeof source.spans === 'function' ? source.spans() : (source as readonly ReadableSpan[]);
}

/** Every node of the trees, depth first, parents before children. */
export function nodesOf(trees: readonly TraceTree[]): TraceTreeNode[] {
  const out: TraceTreeNode[] = [];
  const visit = (node: TraceTreeNode): void => {
    out.push(node);
    node.children.forEach(visit);
  };
  for (const tree of trees) tree.roots.forEach(visit);
  return out;
}

export function treesOf(source: TraceSource, build: (spans: readonly ReadableSpan[]) => TraceTree[]): TraceTree[] {
  if (isTraceTree(source)) return [source];
  if (Array.isArray(source) && source.length > 0 && isTraceTree(source[0])) return [...(source as readonly TraceTree[])];
  return build(spansOf(source as SpanSource));
}
