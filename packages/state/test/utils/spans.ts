import { trace, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export const tracer = trace.getTracer('state-test');

/** Runs `fn` inside an active span named `name` and ends it afterwards. */
export function inSpan<T>(name: string, fn: (span: Span) => T): T {
  return tracer.startActiveSpan(name, (span) => {
    try {
      const out = fn(span);
      if (out instanceof Promise) return out.finally(() => span.end()) as T;
      span.end();
      return out;
    } catch (error) {
      span.end();
      throw error;
    }
  });
}

export function eventsNamed(span: ReadableSpan, name: string) {
  return span.events.filter((e) => e.name === name);
}

export function spanNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one span named ${name}, found ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}
