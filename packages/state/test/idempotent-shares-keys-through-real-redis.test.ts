import { randomUUID } from 'node:crypto';
import { setupTracing } from '@agentrace/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { idempotent, RedisIdempotencyStore } from '@agentrace/state';
import { inSpan, spanNamed } from './utils/spans.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const tracing = setupTracing();
// Two clients stand for two worker processes sharing one Redis.
let clientA: Redis;
let clientB: Redis;
let prefix: string;

beforeAll(() => {
  clientA = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  clientB = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await clientA.quit();
  await clientB.quit();
  await tracing.shutdown();
});
beforeEach(async () => {
  tracing.reset();
  // A unique prefix per test: parallel test files and earlier runs never share keys.
  prefix = `agentrace-test:state:${randomUUID()}:`;
});

afterEach(async () => {
  const keys = await clientA.keys(`${prefix}*`);
  if (keys.length > 0) await clientA.del(...keys);
});

describe('idempotent with the Redis store (real Redis)', () => {
  it('runs fn once across two processes; the repeat gets the JSON result back and is recorded', async () => {
    const storeA = new RedisIdempotencyStore({ client: clientA, keyPrefix: prefix });
    const storeB = new RedisIdempotencyStore({ client: clientB, keyPrefix: prefix });
    const fn = vi.fn(async () => ({ receipt: 'r-1', amount: 12.5, tags: ['a'] }));
    const first = await inSpan('worker A', () => idempotent('charge:9', fn, storeA));
    const second = await inSpan('worker B', () => idempotent('charge:9', fn, storeB));
    expect(fn).toHaveBeenCalledTimes(1);
    expect(second).toEqual(first);
    expect(spanNamed(tracing.spans(), 'worker B').attributes).toMatchObject({ 'state.idempotency.deduplicated': true });
    expect(spanNamed(tracing.spans(), 'worker B').events.map((e) => e.name)).toEqual(['state.idempotency.deduplicated']);
    expect(spanNamed(tracing.spans(), 'worker A').attributes).toMatchObject({ 'state.idempotency.deduplicated': false });
    const stored = JSON.parse((await clientA.get(`${prefix}charge:9`))!) as unknown;
    expect(stored).toEqual({ s: 'd', r: first });
    expect(await clientA.pttl(`${prefix}charge:9`)).toBeGreaterThan(0);
  });

  it('claims with SET NX: concurrent duplicates in both processes wait for the one in flight', async () => {
    const storeA = new RedisIdempotencyStore({ client: clientA, keyPrefix: prefix, pollIntervalMs: 5 });
    const storeB = new RedisIdempotencyStore({ client: clientB, keyPrefix: prefix, pollIntervalMs: 5 });
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const fn = vi.fn(async () => {
      await gate;
      return 'sent';
    });
    const calls = Array.from({ length: 8 }, (_, i) => idempotent('email:welcome', fn, i % 2 === 0 ? storeA : storeB));
    await vi.waitFor(() => expect(fn).toHaveBeenCalledTimes(1));
    release();
    expect(await Promise.all(calls)).toEqual(Array(8).fill('sent'));
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('keeps undefined as undefined, releases the key on failure, and rethrows the same error', async () => {
    const store = new RedisIdempotencyStore({ client: clientA, keyPrefix: prefix });
    expect(await idempotent('nothing', async () => undefined, store)).toBeUndefined();
    expect(await idempotent('nothing', async () => 'second', store)).toBeUndefined();

    const failure = new Error('crm down');
    await expect(idempotent('sync', async () => { throw failure; }, store)).rejects.toBe(failure);
    expect(await clientA.exists(`${prefix}sync`)).toBe(0);
    expect(await idempotent('sync', async () => 'ok', store)).toBe('ok');
  });

  it('lets another process take over after the lease of a dead owner expires', async () => {
    const dead = new RedisIdempotencyStore({ client: clientA, keyPrefix: prefix, leaseMs: 150 });
    const alive = new RedisIdempotencyStore({ client: clientB, keyPrefix: prefix, leaseMs: 150, pollIntervalMs: 10 });
    const claim = await dead.claim('job:1'); // claimed, then the "process" dies without completing
    expect(claim.status).toBe('claimed');
    expect(await idempotent('job:1', async () => 'recovered', alive)).toBe('recovered');
    expect(await idempotent('job:1', async () => 'again', alive)).toBe('recovered');
  });

  it('does not throw into the agent when a result is not JSON-serializable: returns it, remembers nothing', async () => {
    const store = new RedisIdempotencyStore({ client: clientA, keyPrefix: prefix });
    const result = { big: 1n };
    expect(await idempotent('bigint', async () => result, store)).toBe(result);
    expect(await clientA.exists(`${prefix}bigint`)).toBe(0);
  });

  it('rejects a missing client at construction with a message that says what to pass', () => {
    expect(() => new RedisIdempotencyStore({} as never)).toThrow(/option client must be an ioredis client/);
  });
});
