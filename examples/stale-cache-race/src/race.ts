// Two workers read-modify-write the same cached profile, each with several update runs in flight.
// Each run reads the profile (recording the version it saw), "thinks" for a seeded random while,
// and writes it back with one more visit. Without the guard, a run that read version v can write
// after another run already wrote v+1: that update is lost. trackRead/trackWrite record enough for
// findLostUpdates to name both runs; with the guard on, guardedWrite catches the race as it happens.
import { agent, run, step } from '@agentrace/decorators';
import { guardedWrite, StaleWriteError, trackRead, trackWrite } from '@agentrace/state';
import { seededRandom } from '@agentrace/testing';
import type { Redis } from 'ioredis';
import { ProfileCache, VersionConflictError, type CacheWrite, type Profile } from './profile-cache.js';

export interface UpdateTask {
  /** `worker-A#3`: the run's correlation id. */
  runId: string;
  worker: string;
  userId: string;
  /** Milliseconds between the read and the write. */
  thinkMs: number;
  /** Milliseconds the worker waits before starting this run. */
  delayMs: number;
}

export interface RaceOptions {
  redis: Redis;
  /** Prefix of every Redis key of this race. */
  keyPrefix: string;
  /** Seeds the think times, so a seed replays the same schedule of delays. Default 1. */
  seed?: number;
  /** Update runs per worker. Default 8. */
  updatesPerWorker?: number;
  /** Runs each worker keeps in flight at once. Default 4. */
  concurrency?: number;
  /** Longest think time between read and write, in ms. Default 5. */
  maxThinkMs?: number;
  /** Each run starts after a seeded random delay below this many ms, spreading the runs out. Default 0. */
  startSpreadMs?: number;
  /** Use the stale-write guard (re-read and retry on a stale write). Default false. */
  guard?: boolean;
  /** The workers' names. Default `['worker-A', 'worker-B']`. */
  workers?: readonly string[];
  /** The profile both workers update. Default `'42'`. */
  userId?: string;
  /** Put before each run id (`<prefix>worker-A#1`), so runs of separate races have distinct correlation ids. Default ''. */
  runIdPrefix?: string;
}

export interface RaceResult {
  /** The Redis key (and state key in the traces) of the profile. */
  key: string;
  /** Update runs started (and finished). */
  runs: number;
  /** The profile at the end; `visits` < `runs` means updates were lost. */
  profile: Profile;
  /** The cache's own log of writes. */
  writes: CacheWrite[];
  /** Runs that failed (only if a guarded run gave up after too many retries). */
  failures: unknown[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MAX_ATTEMPTS = 200;

@agent('profile-cache-worker')
export class ProfileCacheWorker {
  constructor(
    private readonly cache: ProfileCache,
    private readonly guard: boolean,
  ) {}

  @run({ correlationId: (task: UpdateTask) => task.runId, runAttributes: (task: UpdateTask) => ({ 'worker.name': task.worker }) })
  async update(task: UpdateTask): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const { profile, version } = await this.readProfile(task.userId);
      await sleep(task.thinkMs); // stands in for the model call or API lookup between read and write
      const next: Profile = { ...profile, visits: profile.visits + 1, lastUpdatedBy: task.runId };
      const written = await this.writeProfile(task, next, version);
      if (written !== undefined) return written;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`${task.runId}: gave up after ${attempt} stale writes`);
    }
  }

  @step('read profile')
  async readProfile(userId: string): Promise<{ profile: Profile; version: number }> {
    const read = await this.cache.read(userId);
    trackRead(this.cache.key(userId), read.version);
    return read;
  }

  /** Returns the new version, or undefined when the guard found the read stale (the caller re-reads). */
  @step('write profile')
  async writeProfile(task: UpdateTask, next: Profile, readVersion: number): Promise<number | undefined> {
    const key = this.cache.key(task.userId);
    if (!this.guard) {
      const version = await this.cache.write(task.userId, next, readVersion, task.runId);
      // The cache's script writes version current+1, so the version it replaced is the one before: when
      // that is not the one read, the step is marked as a lost update as it happens.
      trackWrite(key, { basedOn: readVersion, version, replaced: version - 1 });
      return version;
    }
    try {
      const outcome = await guardedWrite(key, () => this.cache.compareAndSet(task.userId, next, readVersion, task.runId), {
        readVersion,
        currentVersion: () => this.cache.version(task.userId),
        newVersion: (version) => version,
        onStale: 'throw',
      });
      return outcome.written ? outcome.result : undefined;
    } catch (error) {
      if (error instanceof StaleWriteError) return undefined;
      if (error instanceof VersionConflictError) {
        // Someone wrote between the guard's check and the compare-and-set: the store refused the
        // write. Let the guard see that version too, so the trace records this race like the others.
        const current = error.currentVersion;
        await guardedWrite(key, () => undefined, { readVersion, currentVersion: () => current, onStale: 'skip' });
        return undefined;
      }
      throw error;
    }
  }
}

/** Runs `count` tasks, at most `limit` at once. */
async function pool(limit: number, count: number, task: (i: number) => Promise<unknown>, failures: unknown[]): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await task(i).catch((error: unknown) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

/** Runs the race once: every worker's update runs against one profile; returns what the cache saw. */
export async function runRace(options: RaceOptions): Promise<RaceResult> {
  const {
    redis,
    keyPrefix,
    seed = 1,
    updatesPerWorker = 8,
    concurrency = 4,
    maxThinkMs = 5,
    startSpreadMs = 0,
    guard = false,
    workers = ['worker-A', 'worker-B'],
    userId = '42',
    runIdPrefix = '',
  } = options;
  const cache = new ProfileCache(redis, keyPrefix);
  await cache.clear(userId);
  const random = seededRandom(seed);
  const tasks = workers.map((worker) =>
    Array.from({ length: updatesPerWorker }, (_, i): UpdateTask => ({
      runId: `${runIdPrefix}${worker}#${i + 1}`,
      worker,
      userId,
      thinkMs: random() * maxThinkMs,
      delayMs: random() * startSpreadMs,
    })),
  );
  const agent = new ProfileCacheWorker(cache, guard);
  const failures: unknown[] = [];
  await Promise.all(tasks.map((list) => pool(concurrency, list.length, async (i) => {
        const task = list[i]!;
        if (task.delayMs > 0) await sleep(task.delayMs);
        return agent.update(task);
      }, failures)));
  const [{ profile }, writes] = await Promise.all([cache.read(userId), cache.writeLog()]);
  return { key: cache.key(userId), runs: workers.length * updatesPerWorker, profile, writes, failures };
}
