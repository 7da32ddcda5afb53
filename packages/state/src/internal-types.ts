import type { AttributeValue } from '@opentelemetry/api';
import type { TraceTreeNodeLike } from './span-source.js';

/** One span event, whichever source it came from. */
export interface SourceEvent {
  name: string;
  /** Milliseconds since the Unix epoch. */
  timeMs: number;
  attributes: Record<string, AttributeValue | undefined>;
}

/**
 * The little of a finished span the lost-update analysis needs, from a ReadableSpan, a trace tree or
 * Jaeger JSON: the fields of a trace tree node, without its children.
 */
export interface SourceSpan extends Omit<TraceTreeNodeLike, 'children' | 'events'> {
  /** In the order they were added to the span. */
  events: SourceEvent[];
}
