import type { AttributeValue } from '@opentelemetry/api';

/** One span event, whichever source it came from. */
export interface SourceEvent {
  name: string;
  /** Milliseconds since the Unix epoch. */
  timeMs: number;
  attributes: Record<string, AttributeValue | undefined>;
}

/** The little of a finished span the lost-update analysis needs, from a ReadableSpan or Jaeger JSON. */
export interface SourceSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  serviceName?: string;
  attributes: Record<string, AttributeValue | undefined>;
  /** In the order they were added to the span. */
  events: SourceEvent[];
}
