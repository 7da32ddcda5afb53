import { seededRandom, setupTracing } from '@agentrace/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_STATE_STALE_WRITE, findLostUpdates, guardedWrite, StaleWriteError, trackRead, trackWrite } from '@agentrace/state';
import { Scheduler, VersionedDb } from './utils/race.js';
import { inSpan, tracer } from './utils/spans.js';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

const SEEDS = 40;
const WORKERS = ['worker-A', 'worker-B'];
const UPDATES_PER_WORKER = 6;
const KEYS = ['profile:1', 'profile:2'];

interface Round {
  db: VersionedDb;
  /** The lost updates that really happened, from the database's own log. */
  truth: string[];
}

/**
 * Two workers each run UPDATES_PER_WORKER update runs (one trace and correlation id per run): read the
 * cached profile, then write it back incremented. The seeded scheduler interleaves their database
 * operations, so some writes are based on a version another run already replaced.
 */
async function raceRound(seed: number, guard: boolean): Promise<Round> {
  const db = new VersionedDb();
  const scheduler = new Scheduler(seed);
  const pickKey = seededRandom(seed * 7919);
  const keysByRun = new Map<string, string>();
  for (const w of WORKERS) for (let i = 0; i < UPDATES_PER_WORKER; i++) keysByRun.set(`${w}#${i}`, KEYS[Math.floor(pickKey() * KEYS.length)]!);

  const worker = async (id: string): Promise<void> => {
    for (let i = 0; i < UPDATES_PER_WORKER; i++) {
      const runId = `${id}#${i}`;
      const key = keysByRun.get(runId)!;
      await tracer.startActiveSpan(`update ${runId}`, { root: true, attributes: { 'agentrace.correlation_id': runId } }, async (root) => {
        // Odd runs read and write in one span (the analysis infers the base); even runs in two.
        const sameSpan = i % 2 === 1;
        for (;;) {
          const row = await inSpan('read profile', async () => {
            await scheduler.turn(id);
            const r = db.read(key);
            if (!sameSpan) trackRead(key, r.version);
            return r;
          });
          const written = await inSpan('save profile', async () => {
            if (sameSpan) trackRead(key, row.version);
            await scheduler.turn(id);
            if (!guard) {
              const version = db.write(key, row.value + 1, row.version, runId);
              trackWrite(key, sameSpan ? { version } : { basedOn: row.version, version });
              return true;
            }
            try {
              await guardedWrite(key, () => db.write(key, row.value + 1, row.version, runId), {
                readVersion: row.version,
                currentVersion: () => db.version(key),
                newVersion: (v) => v,
              });
              return true;
            } catch (error) {
              if (error instanceof StaleWriteError) return false; // re-read and try again
              throw error;
            }
          });
          if (written) break;
        }
        root.end();
      });
    }
    scheduler.leave(id);
  };

  for (const w of WORKERS) scheduler.join(w);
  await Promise.all(WORKERS.map(worker));

  const writerOf = new Map(db.log.map((w) => [`${w.key}@${w.version}`, w.writer]));
  const truth = db.log.flatMap((w) => w.overwrote.map((v) => `${w.key}: ${w.writer} overwrote ${writerOf.get(`${w.key}@${v}`)} v${v}`));
  return { db, truth: truth.sort() };
}

function analysed(): string[] {
  return findLostUpdates(tracing.spans())
    .map((u) => `${u.key}: ${u.overwriting.correlationId} overwrote ${u.lost.correlationId} v${u.lost.version}`)
    .sort();
}

describe('lost-update analysis on a deterministic read-modify-write race', () => {
  it(`finds exactly the lost updates the database recorded, over ${SEEDS} seeded interleavings`, async () => {
    let injected = 0;
    let roundsWithLoss = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      tracing.reset();
      const { truth } = await raceRound(seed, false);
      expect(analysed(), `seed ${seed}`).toEqual(truth);
      injected += truth.length;
      if (truth.length > 0) roundsWithLoss++;
    }
    // The race must really happen, or the equality above proves nothing.
    expect(injected).toBeGreaterThan(SEEDS);
    expect(roundsWithLoss).toBeGreaterThan(SEEDS / 2);
  });

  it('replays the same interleaving for the same seed', async () => {
    const first = await raceRound(7, false);
    const second = await raceRound(7, false);
    expect(second.db.log).toEqual(first.db.log);
  });

  it('finds none, and the database loses none, with the stale-write guard on; the guard caught the races', async () => {
    let caught = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      tracing.reset();
      const { truth, db } = await raceRound(seed, true);
      expect(truth, `seed ${seed}`).toEqual([]);
      expect(analysed(), `seed ${seed}`).toEqual([]);
      // Every update landed: each key's value equals the number of updates made to it.
      const total = KEYS.reduce((n, k) => n + db.read(k).value, 0);
      expect(total).toBe(WORKERS.length * UPDATES_PER_WORKER);
      caught += tracing.spans().flatMap((s) => s.events).filter((e) => e.name === EVENT_STATE_STALE_WRITE).length;
    }
    expect(caught).toBeGreaterThan(SEEDS / 2);
  });
});
