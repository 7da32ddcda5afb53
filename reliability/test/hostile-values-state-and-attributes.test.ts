// Issue 8, "bad input corpus": every value of the shared hostile corpus as a state snapshot
// (recordState, sampleState), a state key or version (trackRead, trackWrite, guardedWrite), and an
// attribute (sanitizeAttributes, run attributes, attribute mappers): nothing throws into the agent,
// what is exported is capped (with a truncation marker where the value exceeded the caps), and running
// the corpus again and again does not grow the heap.
import { context, trace } from '@opentelemetry/api';
import { sanitizeAttributes } from '@agentrace/core';
import { getRunAttributes, correlationId, traced, withRunAttributes } from '@agentrace/decorators';
import { guardedWrite, recordState, sampleState, trackRead, trackWrite, EVENT_STATE_SNAPSHOT } from '@agentrace/state';
import { hostileValues, type HostileValue } from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { describe, expect, it } from 'vitest';
import { heapAfterGc, isNativePromise, MAX_ATTRIBUTE_BYTES, overCap, TRUNCATION_MARKER, utf8Bytes } from '../src/hostile-checks.js';

const tracing = useTracing({ serviceName: 'hostile-values-state-and-attributes' });

const tracer = () => trace.getTracer('hostile-values');

/** Runs `fn` in an active span named `step` and ends it. */
function inStep<T>(fn: () => T): T {
  return tracer().startActiveSpan('step', (span) => {
    try {
      return fn();
    } finally {
      span.end();
    }
  });
}

const mappedRun = traced(
  'mapped-run',
  function mappedRun(input: unknown): unknown {
    return getRunAttributes(context.active()) === undefined ? 'no attributes' : input;
  },
  {
    runAttributes: (input: unknown) => ({ 'run.hostile': input as never }),
    attributes: (input: unknown) => ({ 'step.hostile': input as never, 'step.nested': { input } as never }),
  },
);

/** Every state and attribute entry point fed `value`; returns nothing, throws only if we do. */
async function feed(hostile: HostileValue, value: unknown): Promise<void> {
  inStep(() => {
    recordState('snapshot', value);
    recordState(value as string, 1);
    trackRead(value as string, value as never);
    trackWrite(value as string, { basedOn: value as never, version: value as never });
    trackWrite('key', { basedOn: value as never, version: value as never });
    sampleState('sampled', () => value, { intervalMs: 60_000 }).stop();
    sampleState(value as string, () => ({ inner: value }), { intervalMs: 60_000 }).stop();
  });
  const attributes = sanitizeAttributes({ hostile: value, [`k-${hostile.name}`]: [value, value] });
  for (const v of Object.values(attributes)) {
    for (const item of Array.isArray(v) ? v : [v]) if (typeof item === 'string') expect(utf8Bytes(item)).toBeLessThanOrEqual(MAX_ATTRIBUTE_BYTES);
  }
  const inRun = withRunAttributes({ 'run.hostile': value as never }, () => {
    correlationId();
    getRunAttributes(context.active());
    return 42;
  });
  expect(inRun).toBe(42);
  const returned = mappedRun(value);
  if (!isNativePromise(value)) expect(Object.is(returned, value)).toBe(true);
  if (!isNativePromise(value)) {
    // The write itself returns a plain value; the hostile value is both versions.
    await inStep(() =>
      guardedWrite('k', () => 'written', { readVersion: value as never, currentVersion: () => value as never, onStale: 'proceed' }),
    );
  }
}

describe('hostile values as state snapshots, state keys and versions, and attributes', () => {
  it('the corpus has at least 50 values', () => {
    expect(hostileValues().length).toBeGreaterThanOrEqual(50);
  });

  for (const hostile of hostileValues()) {
    it(`${hostile.name}: never throws into the agent, exports capped and marked values`, async () => {
      const value = hostile.make();
      await expect(feed(hostile, value)).resolves.toBeUndefined();
      const spans = tracing.spans();
      expect(overCap(spans)).toEqual([]);
      const step = spans.find((s) => s.name === 'step')!;
      const snapshot = step.events.find((e) => e.name === EVENT_STATE_SNAPSHOT && e.attributes?.['state.name'] === 'snapshot');
      expect(snapshot, 'snapshot recorded').toBeDefined();
      const text = String(snapshot!.attributes!['state.value']);
      expect(() => JSON.parse(text)).not.toThrow();
      if (hostile.exceedsCaps) {
        expect(text).toMatch(TRUNCATION_MARKER);
        expect(snapshot!.attributes!['state.value.truncated']).toBe(true);
        const mapped = spans.find((s) => s.name === 'mapped-run');
        // An object attribute is written by the serializer, whose caps (1024 chars a string) the value passes.
        expect(String(mapped?.attributes['step.nested'])).toMatch(TRUNCATION_MARKER);
      }
    });
  }

  it('running the whole corpus again and again does not grow the heap', async () => {
    // One warm-up round fills caches (key heads, redactor decisions), then the heap must stay flat.
    const round = async (): Promise<void> => {
      for (const hostile of hostileValues()) await feed(hostile, hostile.make());
      tracing.reset();
    };
    await round();
    const before = heapAfterGc();
    for (let i = 0; i < 3; i++) await round();
    const growth = heapAfterGc() - before;
    // Generous: one stray 10 MB string per round would already show as 30 MB.
    expect(growth).toBeLessThan(24 * 1024 * 1024);
  });
});
