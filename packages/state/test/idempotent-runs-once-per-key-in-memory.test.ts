import { setupTracing } from '@agentrace/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_IDEMPOTENCY_DEDUPLICATED, idempotent, MemoryIdempotencyStore } from '@agentrace/state';
import { inSpan, spanNamed, tracer } from './utils/spans.js';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());
afterEach(() => vi.useRealTimers());

/**
 * A call that throws `failure` the first time and gives `valueOf(attempt)` after; `attempts()` counts
 * the calls. Each call settles a tick later, so concurrent callers are waiting by then.
 */
function failsOnce<T>(failure: Error, valueOf: (attempt: number) => T): { fn: () => Promise<T>; attempts: () => number } {
  let attempt = 0;
  const fn = async (): Promise<T> => {
    attempt++;
    await Promise.resolve();
    if (attempt === 1) throw failure;
    return valueOf(attempt);
  };
  return { fn, attempts: () => attempt };
}

describe('idempotent with the in-memory store', () => {
  it('runs fn once per key; a repeat returns the first result and is recorded as a deduplicated hit', async () => {
    const store = new MemoryIdempotencyStore();
    const charge = vi.fn(async () => ({ receipt: 'r-1' }));
    const first = await inSpan('first', () => idempotent('charge:order-9', charge, store));
    const second = await inSpan('second', () => idempotent('charge:order-9', charge, store));
    expect(charge).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);

    const firstSpan = spanNamed(tracing.spans(), 'first');
    expect(firstSpan.attributes).toMatchObject({ 'state.idempotency.key': 'charge:order-9', 'state.idempotency.deduplicated': false });
    expect(firstSpan.events).toEqual([]);
    const secondSpan = spanNamed(tracing.spans(), 'second');
    expect(secondSpan.attributes).toMatchObject({ 'state.idempotency.key': 'charge:order-9', 'state.idempotency.deduplicated': true });
    expect(secondSpan.events.map((e) => [e.name, e.attributes])).toEqual([
      [EVENT_IDEMPOTENCY_DEDUPLICATED, { 'state.idempotency.key': 'charge:order-9', 'state.idempotency.waited': false }],
    ]);
  });

  it('makes concurrent duplicates wait for the one in flight', async () => {
    const store = new MemoryIdempotencyStore();
    let release!: (v: string) => void;
    const fn = vi.fn(() => new Promise<string>((resolve) => { release = resolve; }));
    const calls = [1, 2, 3].map((i) => inSpan(`call ${i}`, () => idempotent('k', fn, store)));
    await vi.waitFor(() => expect(fn).toHaveBeenCalledTimes(1));
    release('done');
    expect(await Promise.all(calls)).toEqual(['done', 'done', 'done']);
    expect(fn).toHaveBeenCalledTimes(1);
    const hits = tracing.spans().filter((s) => s.attributes['state.idempotency.deduplicated'] === true);
    expect(hits.map((s) => s.name).sort()).toEqual(['call 2', 'call 3']);
    for (const hit of hits) expect(hit.events[0]!.attributes).toMatchObject({ 'state.idempotency.waited': true });
  });

  it('does not remember a failure: the same error reaches the caller and the next call runs again', async () => {
    const store = new MemoryIdempotencyStore();
    const failure = new Error('payment gateway down');
    const { fn, attempts } = failsOnce(failure, () => 'paid');
    await expect(idempotent('pay', fn, store)).rejects.toBe(failure);
    expect(await idempotent('pay', fn, store)).toBe('paid');
    expect(await idempotent('pay', fn, store)).toBe('paid');
    expect(attempts()).toBe(2);
  });

  it('wakes waiters when the first call fails, and one of them runs fn', async () => {
    const store = new MemoryIdempotencyStore();
    const failure = new Error('first fails');
    const { fn, attempts } = failsOnce(failure, (attempt) => attempt);
    const results = await Promise.allSettled([idempotent('k', fn, store), idempotent('k', fn, store), idempotent('k', fn, store)]);
    expect(results[0]).toEqual({ status: 'rejected', reason: failure });
    expect(results.slice(1)).toEqual([{ status: 'fulfilled', value: 2 }, { status: 'fulfilled', value: 2 }]);
    expect(attempts()).toBe(2);
  });

  it('is bounded: the oldest completed keys are evicted first', async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 3 });
    const fn = vi.fn(async () => 'x');
    for (const key of ['a', 'b', 'c', 'd']) await idempotent(key, fn, store);
    expect(store.size).toBe(3);
    await idempotent('b', fn, store); // still there
    expect(fn).toHaveBeenCalledTimes(4);
    await idempotent('a', fn, store); // evicted, runs again
    expect(fn).toHaveBeenCalledTimes(5);
  });

  it('forgets a key after its TTL', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = new MemoryIdempotencyStore({ ttlMs: 1000 });
    const fn = vi.fn(async () => 'x');
    await idempotent('k', fn, store);
    vi.advanceTimersByTime(999);
    await idempotent('k', fn, store);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    await idempotent('k', fn, store);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('uses a process-wide default store when given none', async () => {
    const key = `default-${Math.random()}`;
    const fn = vi.fn(async () => 1);
    await idempotent(key, fn);
    await idempotent(key, fn);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('runs fn (fail-open) when the store itself fails', async () => {
    const broken = {
      claim: () => Promise.reject(new Error('store down')),
      complete: () => Promise.resolve(),
      release: () => Promise.resolve(),
      waitForChange: () => Promise.resolve(),
    };
    expect(await idempotent('k', async () => 'ran', broken)).toBe('ran');
  });

  it('keeps every concurrent run\'s hit on its own span (many runs at once)', async () => {
    const store = new MemoryIdempotencyStore();
    const runs = 50;
    const keys = 5;
    const fn = vi.fn(async () => {
      await new Promise((r) => setImmediate(r));
      return 'ok';
    });
    await Promise.all(
      Array.from({ length: runs }, (_, i) =>
        tracer.startActiveSpan(`run ${i}`, { root: true, attributes: { 'agentrace.correlation_id': `run-${i}` } }, async (root) => {
          await new Promise((r) => setImmediate(r));
          await inSpan(`step ${i}`, () => idempotent(`key-${i % keys}`, fn, store));
          root.end();
        }),
      ),
    );
    expect(fn).toHaveBeenCalledTimes(keys);
    const spans = tracing.spans();
    for (let i = 0; i < runs; i++) {
      const root = spanNamed(spans, `run ${i}`);
      const step = spanNamed(spans, `step ${i}`);
      expect(step.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(step.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(step.attributes['state.idempotency.key']).toBe(`key-${i % keys}`);
    }
    const hits = spans.filter((s) => s.attributes['state.idempotency.deduplicated'] === true);
    expect(hits).toHaveLength(runs - keys);
    expect(spans.filter((s) => s.events.some((e) => e.name === EVENT_IDEMPOTENCY_DEDUPLICATED))).toHaveLength(runs - keys);
  });
});
