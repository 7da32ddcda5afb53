import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

// The kit's query under the name these tests read best with: exactly one span of that name.
export { findSpan as spanNamed } from '@agentrace/testing';
// What the package reports through `diag` while a test runs, each message with all its arguments
// (`"@agentrace/decorators message"`), as `{ messages: { level, text }[], restore() }`.
export { captureDiagnostics as captureDiag } from '@agentrace/testing';

export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export function isChildOf(child: ReadableSpan, parent: ReadableSpan): boolean {
  return parentOf(child) === parent.spanContext().spanId && child.spanContext().traceId === parent.spanContext().traceId;
}

export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
