import { setupTracing } from '@agentrace/testing';
import { afterAll, describe, expect, it } from 'vitest';
// The race and its Redis are the stale-cache-race example's.
import { useTestRedis } from '../../stale-cache-race/test/utils/redis.js';
import { stressUntilLostUpdate } from '../src/stress.js';

const tracing = setupTracing({ serviceName: `example-stress-race-test-${process.pid}` });
afterAll(() => tracing.shutdown());
const redis = useTestRedis('example-stress-race');

const common = { spans: () => tracing.spans(), resetSpans: () => tracing.reset(), maxConcurrency: 16 };

describe('stress run of the stale-cache race', () => {
  it('stops at the first level whose spans prove a lost update, and counts the runs it took', async () => {
    // No start spread and a think time: the two workers' runs overlap from the first level on.
    const result = await stressUntilLostUpdate({ ...common, redis: redis.client, keyPrefix: `${redis.prefix}plain:`, spreadMs: 0, thinkMs: 3, seed: 7 });
    expect(result.found).toBeDefined();
    const levels = result.levels.map((l) => l.concurrency);
    expect(levels).toEqual([1, 2, 4, 8, 16].slice(0, levels.length));
    expect(result.levels.at(-1)).toBe(result.found);
    // Earlier levels found nothing, and neither did Redis's own log there: the loop did not skip a finding.
    for (const level of result.levels.slice(0, -1)) expect([level.lostUpdates.length, level.loggedLostUpdates]).toEqual([0, 0]);
    expect(result.found!.loggedLostUpdates).toBe(result.found!.lostUpdates.length);
    expect(result.totalRuns).toBe(levels.reduce((n, c) => n + 2 * c, 0));
  });

  it('stops at the maximum and reports none when the stale-write guard prevents every lost update', async () => {
    const result = await stressUntilLostUpdate({ ...common, redis: redis.client, keyPrefix: `${redis.prefix}guard:`, spreadMs: 0, thinkMs: 2, seed: 7, guard: true });
    expect(result.found).toBeUndefined();
    expect(result.levels.map((l) => l.concurrency)).toEqual([1, 2, 4, 8, 16]);
    expect(result.totalRuns).toBe(2 * (1 + 2 + 4 + 8 + 16));
    for (const level of result.levels) {
      expect(level.loggedLostUpdates).toBe(0);
      expect(level.race.profile.visits).toBe(level.race.runs);
    }
  });
});
