import { setupTracing } from '@agentrace/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_STATE_SNAPSHOT, sampleState } from '@agentrace/state';
import { eventsNamed, spanNamed, tracer } from './utils/spans.js';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => {
  tracing.reset();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function samplesOf(name: string) {
  return eventsNamed(spanNamed(tracing.spans(), name), EVENT_STATE_SNAPSHOT).map((e) => ({
    sample: e.attributes!['state.sample'],
    value: JSON.parse(String(e.attributes!['state.value'])) as unknown,
  }));
}

describe('sampleState', () => {
  it('samples at once and then every interval, as numbered events on the long-running span', () => {
    const pool = { queued: 5, busy: 0 };
    const span = tracer.startSpan('worker pool');
    const sampler = sampleState('pool', () => ({ ...pool }), { span, intervalMs: 100 });
    pool.queued = 4; pool.busy = 1;
    vi.advanceTimersByTime(100);
    pool.queued = 2; pool.busy = 2;
    vi.advanceTimersByTime(100);
    sampler.stop();
    vi.advanceTimersByTime(1000);
    span.end();
    expect(sampler.stopped).toBe(true);
    expect(samplesOf('worker pool')).toEqual([
      { sample: 1, value: { queued: 5, busy: 0 } },
      { sample: 2, value: { queued: 4, busy: 1 } },
      { sample: 3, value: { queued: 2, busy: 2 } },
    ]);
  });

  it('uses the active span by default and stops by itself once that span ended', () => {
    let calls = 0;
    const sampler = tracer.startActiveSpan('long run', (span) => {
      const s = sampleState('calls', () => ++calls, { intervalMs: 50 });
      vi.advanceTimersByTime(50);
      span.end();
      return s;
    });
    vi.advanceTimersByTime(50);
    expect(sampler.stopped).toBe(true);
    const callsAtStop = calls;
    vi.advanceTimersByTime(500);
    expect(calls).toBe(callsAtStop);
    expect(vi.getTimerCount()).toBe(0);
    expect(samplesOf('long run').map((s) => s.value)).toEqual([1, 2]);
  });

  it('unrefs its timer so it never keeps the process alive', () => {
    vi.useRealTimers();
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const span = tracer.startSpan('unref');
    const sampler = sampleState('x', () => 1, { span, intervalMs: 60_000 });
    const timer = setIntervalSpy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    sampler.stop();
    span.end();
    setIntervalSpy.mockRestore();
  });

  it('skips samples whose getter throws or rejects, without throwing, and records async values', async () => {
    const span = tracer.startSpan('flaky');
    let n = 0;
    const sampler = sampleState(
      'flaky',
      () => {
        n++;
        if (n === 1) throw new Error('not ready');
        if (n === 2) return Promise.reject(new Error('still not ready'));
        return Promise.resolve({ n });
      },
      { span, intervalMs: 10 },
    );
    await vi.advanceTimersByTimeAsync(30);
    sampler.stop();
    span.end();
    expect(samplesOf('flaky')).toEqual([
      { sample: 3, value: { n: 3 } },
      { sample: 4, value: { n: 4 } },
    ]);
  });

  it('returns a stopped sampler, and never calls the getter, without a recording span', () => {
    const getter = vi.fn(() => 1);
    const sampler = sampleState('nothing', getter);
    expect(sampler.stopped).toBe(true);
    expect(getter).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('falls back to the default interval on a bad one', () => {
    const span = tracer.startSpan('bad interval');
    const sampler = sampleState('x', () => 1, { span, intervalMs: -5 });
    vi.advanceTimersByTime(999);
    sampler.stop();
    span.end();
    expect(samplesOf('bad interval')).toHaveLength(1);
  });
});
