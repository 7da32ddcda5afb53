import { EVENT_STATE_STALE_WRITE, findLostUpdates } from '@agentrace/state';
import { assertNoCrossRunSpans, setupTracing } from '@agentrace/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { CacheWrite } from '../src/profile-cache.js';
import { runRace, type RaceResult } from '../src/race.js';
import { useTestRedis } from './utils/redis.js';

const tracing = setupTracing({ serviceName: `example-stale-cache-race-test-${process.pid}` });
afterAll(() => tracing.shutdown());
const redis = useTestRedis('example-stale-cache-race');
const SEEDS = 20;
const RACE = { updatesPerWorker: 12, concurrency: 6, maxThinkMs: 3 };

/**
 * The ground truth, from the cache's own write log (kept by Redis in the same script as the write,
 * not by tracing): each write based on version b that replaced version p > b overwrote b+1..p unseen.
 */
function lostUpdatesInLog(key: string, writes: CacheWrite[]): string[] {
  const writerOf = new Map(writes.map((w) => [w.version, w.writer]));
  // Each lost version once, with the first write that replaced it unseen (writes are in log order).
  const firstOverwriter = new Map<number, string>();
  for (const w of writes) {
    for (let v = w.basedOn + 1; v <= w.previous; v++) if (!firstOverwriter.has(v)) firstOverwriter.set(v, w.writer);
  }
  return [...firstOverwriter].map(([v, writer]) => `${key}: ${writer} overwrote ${writerOf.get(v)} v${v}`).sort();
}

/** Writes whose increment survived: the final version, the version it was based on, and so on back. */
function survivingWrites(writes: CacheWrite[]): number {
  const byVersion = new Map(writes.map((w) => [w.version, w]));
  let count = 0;
  for (let w = writes.at(-1); w !== undefined; w = byVersion.get(w.basedOn)) count++;
  return count;
}

function analysed(): string[] {
  return findLostUpdates(tracing.spans())
    .map((u) => `${u.key}: ${u.overwriting.correlationId} overwrote ${u.lost.correlationId} v${u.lost.version}`)
    .sort();
}

async function race(seed: number, guard: boolean): Promise<RaceResult> {
  tracing.reset();
  const result = await runRace({ redis: redis.client, keyPrefix: `${redis.prefix}${guard ? 'guard' : 'plain'}:${seed}:`, seed, guard, ...RACE });
  expect(result.failures).toEqual([]);
  return result;
}

describe('stale-cache race example on the real Redis', () => {
  it(`finds exactly the lost updates the cache logged, in each of ${SEEDS} seeded runs at concurrency ${RACE.concurrency} per worker`, async () => {
    let injected = 0;
    let runsWithLoss = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await race(seed, false);
      const truth = lostUpdatesInLog(result.key, result.writes);
      expect(analysed(), `seed ${seed}`).toEqual(truth);
      // One finding per lost write, not per pair: every visit missing from the cache is one of them (a
      // lost write can come back when a later write was built on it, so there may be more findings).
      expect(truth.length, `seed ${seed}`).toBeGreaterThanOrEqual(result.runs - result.profile.visits);
      expect(truth.length, `seed ${seed}`).toBeLessThan(result.runs);
      // Each run is one trace holding only its own spans.
      assertNoCrossRunSpans(tracing, { oneTracePerRun: true });
      // The log agrees with the data: the visits in the cache are the writes on the final chain.
      expect(result.profile.visits, `seed ${seed}`).toBe(survivingWrites(result.writes));
      if (truth.length > 0) expect(result.profile.visits, `seed ${seed}`).toBeLessThan(result.runs);
      injected += truth.length;
      if (truth.length > 0) runsWithLoss++;
    }
    // The race must really happen, or the equality above proves nothing.
    expect(injected).toBeGreaterThan(SEEDS);
    expect(runsWithLoss).toBeGreaterThan(SEEDS / 2);
  });

  it('finds none, and the cache loses none, with the stale-write guard on; the guard caught the races', async () => {
    let caught = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = await race(seed, true);
      expect(lostUpdatesInLog(result.key, result.writes), `seed ${seed}`).toEqual([]);
      expect(analysed(), `seed ${seed}`).toEqual([]);
      expect(result.profile.visits, `seed ${seed}`).toBe(result.runs);
      caught += tracing.spans().flatMap((s) => s.events).filter((e) => e.name === EVENT_STATE_STALE_WRITE).length;
    }
    expect(caught).toBeGreaterThan(SEEDS);
  });
});
