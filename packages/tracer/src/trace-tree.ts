// CONTRACT (to be implemented by the test-kit work): the one trace-tree model and printer, shared by
// the console exporter and @agentrace/testing.
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export type TraceSpanKind = 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';

export interface TraceTreeEvent {
  name: string;
  /** Milliseconds since the Unix epoch. */
  timeMs: number;
  attributes: Record<string, AttributeValue>;
}

export interface TraceTreeNode {
  traceId: string;
  spanId: string;
  /** Absent for a root; present but not in the trace for an orphan. */
  parentSpanId?: string;
  name: string;
  kind: TraceSpanKind;
  /** `service.name` of the process that made the span, where known. */
  serviceName?: string;
  /** Milliseconds since the Unix epoch. */
  startTimeMs: number;
  durationMs: number;
  status: { code: 'UNSET' | 'OK' | 'ERROR'; message?: string };
  attributes: Record<string, AttributeValue>;
  events: TraceTreeEvent[];
  links: { traceId: string; spanId: string; attributes: Record<string, AttributeValue> }[];
  children: TraceTreeNode[];
}

export interface TraceTree {
  traceId: string;
  /** Spans with no parent, or whose parent is not in the trace; ordered by start time. */
  roots: TraceTreeNode[];
}

export interface FormatTraceTreeOptions {
  /** Attribute keys to show on each line; default: a short list of the most telling ones. */
  attributes?: readonly string[] | 'all' | 'none';
  /** Show durations; default true (tests printing snapshots turn it off). */
  durations?: boolean;
  /** Show events under their span; default true. */
  events?: boolean;
}

export declare function buildTraceTrees(spans: readonly ReadableSpan[]): TraceTree[];
export declare function formatTraceTree(tree: TraceTree, options?: FormatTraceTreeOptions): string;
