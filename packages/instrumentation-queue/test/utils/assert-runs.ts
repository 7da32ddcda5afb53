import type { TestTracing } from '@agentrace/testing';
import { expect } from 'vitest';
import { byName, parentId } from './runs.js';

/**
 * Every process span sits in its own run's trace, directly under that run's producer span (or under
 * the run's own span, for a client without producer spans); no process span is orphaned (missing
 * parent) or crossed (in another run's trace); every handler saw its own run.
 */
export function expectEachMessageInItsOwnRun(
  tracing: TestTracing,
  runs: number,
  producerName: string | undefined,
  processName: string,
  seen: Map<string, string | undefined>,
): void {
  const spans = tracing.spans();
  const runSpans = new Map(spans.filter((s) => s.name.startsWith('run ')).map((s) => [s.spanContext().traceId, s]));
  const producers = new Map(byName(spans, producerName ?? '').map((s) => [s.spanContext().spanId, s]));
  const processes = byName(spans, processName);
  expect(runSpans.size).toBe(runs);
  if (producerName !== undefined) expect(producers.size).toBe(runs);
  expect(processes).toHaveLength(runs);
  const traces = new Set<string>();
  for (const span of processes) {
    const run = runSpans.get(span.spanContext().traceId);
    expect(run, `process span ${span.spanContext().spanId} is in a run's trace`).toBeDefined();
    if (producerName === undefined) {
      expect(parentId(span)).toBe(run!.spanContext().spanId);
    } else {
      const producer = producers.get(parentId(span) ?? '');
      expect(producer, `process span ${span.spanContext().spanId} has its producer as parent`).toBeDefined();
      expect(parentId(producer!)).toBe(run!.spanContext().spanId);
    }
    traces.add(span.spanContext().traceId);
  }
  expect(traces.size).toBe(runs);
  expect(seen.size).toBe(runs);
  for (const [messageRun, handlerRun] of seen) expect(handlerRun).toBe(messageRun);
}
