import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

// The kit's query under the name these tests read best with: exactly one span of that name.
export { findSpan as spanNamed } from '@agentrace/testing';

export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export function isChildOf(child: ReadableSpan, parent: ReadableSpan): boolean {
  return parentOf(child) === parent.spanContext().spanId && child.spanContext().traceId === parent.spanContext().traceId;
}

/** Collects what the package reports through `diag` while the test runs. */
export function captureDiag(): { messages: { level: string; text: string }[]; restore(): void } {
  const messages: { level: string; text: string }[] = [];
  const make = (level: string) => (text: string) => void messages.push({ level, text });
  const logger: DiagLogger = { error: make('error'), warn: make('warn'), info: make('info'), debug: make('debug'), verbose: make('verbose') };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { messages, restore: () => diag.disable() };
}

export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
