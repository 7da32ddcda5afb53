// A tiny shared "database" with per-key versions and a seeded scheduler that decides, step by step,
// which worker runs next: the interleavings of the race tests are random but reproducible.
import { seededRandom } from '@agentrace/testing';

/** One write the database saw, with the versions it overwrote without its writer having read them. */
export interface AppliedWrite {
  key: string;
  writer: string;
  basedOn: number;
  version: number;
  /** Versions newer than `basedOn` that this write replaced: the ground truth of lost updates. */
  overwrote: number[];
}

export class VersionedDb {
  readonly #rows = new Map<string, { value: number; version: number }>();
  readonly log: AppliedWrite[] = [];

  read(key: string): { value: number; version: number } {
    return { ...(this.#rows.get(key) ?? { value: 0, version: 0 }) };
  }

  version(key: string): number {
    return this.#rows.get(key)?.version ?? 0;
  }

  /** A last-writer-wins write: the store assigns the next version, whatever the writer had read. */
  write(key: string, value: number, basedOn: number, writer: string): number {
    const current = this.version(key);
    const version = current + 1;
    const overwrote: number[] = [];
    for (let v = basedOn + 1; v <= current; v++) overwrote.push(v);
    this.#rows.set(key, { value, version });
    this.log.push({ key, writer, basedOn, version, overwrote });
    return version;
  }
}

/**
 * Cooperative scheduler: every worker calls `turn(id)` before each database operation; once every
 * live worker is waiting, the seeded random picks the one that goes next.
 */
export class Scheduler {
  readonly #waiting = new Map<string, () => void>();
  readonly #live = new Set<string>();
  readonly #random: () => number;

  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }

  join(id: string): void {
    this.#live.add(id);
  }

  leave(id: string): void {
    this.#live.delete(id);
    this.#release();
  }

  turn(id: string): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#release();
    });
  }

  #release(): void {
    if (this.#waiting.size === 0 || this.#waiting.size < this.#live.size) return;
    const ids = [...this.#waiting.keys()].sort();
    const id = ids[Math.floor(this.#random() * ids.length)]!;
    const resolve = this.#waiting.get(id)!;
    this.#waiting.delete(id);
    resolve();
  }
}
