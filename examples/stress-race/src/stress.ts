// The stress loop: the stale-cache race at rising concurrency until the analysis proves a lost update,
// or the maximum level is reached. The caller supplies the finished spans of each level.
import { findLostUpdates, type LostUpdate } from '@agentrace/state';
import type { Redis } from 'ioredis';
// The race itself is the stale-cache-race example's, unchanged.
import { runRace, type RaceResult } from '../../stale-cache-race/src/race.js';

export interface StressOptions {
  redis: Redis;
  /** Prefix of every Redis key; each level adds its own. */
  keyPrefix: string;
  /** The finished spans since the last `resetSpans()` (an in-memory exporter's). */
  spans: () => Parameters<typeof findLostUpdates>[0];
  /** Forgets the finished spans, so each level is analysed alone. */
  resetSpans: () => void;
  /** The last level tried: runs in flight per worker. Levels are 1, 2, 4, ... up to it. Default 64. */
  maxConcurrency?: number;
  /** Each run starts after a seeded random delay below this, in ms. Default 100. */
  spreadMs?: number;
  /** Longest pause between a run's read and its write, in ms. Default 1. */
  thinkMs?: number;
  /** Seeds the delays. Default 1. */
  seed?: number;
  /** Runs the race with the stale-write guard on (then nothing should ever be found). Default false. */
  guard?: boolean;
  /** Called after each level. Default: nothing. */
  onLevel?: (level: LevelReport) => void;
  /** Put before each run id (the level is added too), so runs of separate stress runs are told apart. Default ''. */
  runIdPrefix?: string;
}

export interface LevelReport {
  concurrency: number;
  race: RaceResult;
  /** What the analysis proved from this level's spans. */
  lostUpdates: LostUpdate[];
  /** Lost updates in the cache's own write log, to compare. */
  loggedLostUpdates: number;
}

export interface StressResult {
  /** The level that found one, or undefined when none was found up to the maximum. */
  found: LevelReport | undefined;
  /** Update runs made over all levels tried. */
  totalRuns: number;
  levels: LevelReport[];
}

export async function stressUntilLostUpdate(options: StressOptions): Promise<StressResult> {
  const { redis, keyPrefix, spans, resetSpans, maxConcurrency = 64, spreadMs = 100, thinkMs = 1, seed = 1, guard = false, onLevel, runIdPrefix = '' } = options;
  const levels: LevelReport[] = [];
  let totalRuns = 0;
  for (let concurrency = 1; concurrency <= maxConcurrency; concurrency *= 2) {
    resetSpans();
    const race = await runRace({
      redis,
      keyPrefix: `${keyPrefix}${concurrency}:`,
      seed: seed + concurrency,
      updatesPerWorker: concurrency,
      concurrency,
      maxThinkMs: thinkMs,
      startSpreadMs: spreadMs,
      guard,
      runIdPrefix: `${runIdPrefix}c${concurrency}:`,
    });
    totalRuns += race.runs;
    const report: LevelReport = {
      concurrency,
      race,
      lostUpdates: findLostUpdates(spans()),
      loggedLostUpdates: race.writes.reduce((n, w) => n + Math.max(0, w.previous - w.basedOn), 0),
    };
    levels.push(report);
    onLevel?.(report);
    if (report.lostUpdates.length > 0) return { found: report, totalRuns, levels };
  }
  return { found: undefined, totalRuns, levels };
}
