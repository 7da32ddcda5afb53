import type { StateVersion } from './types.js';

/**
 * Thrown by `guardedWrite` with `onStale: 'throw'` (the default) when the store's version changed
 * since the caller read it: writing would overwrite someone else's newer data. Re-read the key,
 * recompute the value and try again, or choose `onStale: 'skip'`.
 */
export class StaleWriteError extends Error {
  /** The key that was about to be written. */
  readonly key: string;
  /** The version the caller had read. */
  readonly readVersion: StateVersion;
  /** The version the store held at the check. */
  readonly currentVersion: StateVersion;

  constructor(key: string, readVersion: StateVersion, currentVersion: StateVersion) {
    super(
      `Stale write to "${key}": it was read at version ${String(readVersion)} but the store now holds version ${String(currentVersion)}; ` +
        'someone else wrote in between. Re-read and retry, or pass onStale: "skip" | "proceed" to guardedWrite.',
    );
    this.name = 'StaleWriteError';
    this.key = key;
    this.readVersion = readVersion;
    this.currentVersion = currentVersion;
  }
}
