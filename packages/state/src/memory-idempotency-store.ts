import { randomUUID } from 'node:crypto';
import { reportOnce } from './diagnostics.js';
import type { IdempotencyClaim, IdempotencyStore, MemoryIdempotencyStoreOptions } from './types.js';

type Entry =
  | { state: 'pending'; token: string; waiters: (() => void)[] }
  | { state: 'done'; result: unknown; expiresAt: number };

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_TTL_MS = 3_600_000;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value > 0) return value;
  reportOnce(`memory-store:${name}`, `MemoryIdempotencyStore: option ${name} must be a positive number; got ${String(value)}. Using ${fallback}.`);
  return fallback;
}

/**
 * The default idempotency store: one process, bounded (oldest completed keys go first) and with a
 * TTL checked on access, so it needs no timer. It keeps the first result itself (not a copy).
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    this.#maxEntries = positive('maxEntries', options.maxEntries, DEFAULT_MAX_ENTRIES);
    this.#ttlMs = positive('ttlMs', options.ttlMs, DEFAULT_TTL_MS);
  }

  /** Keys held now, in flight or completed (expired ones may still count until touched). */
  get size(): number {
    return this.#entries.size;
  }

  async claim(key: string): Promise<IdempotencyClaim> {
    const entry = this.#live(key);
    if (entry === undefined) {
      const token = randomUUID();
      this.#entries.set(key, { state: 'pending', token, waiters: [] });
      return { status: 'claimed', token };
    }
    return entry.state === 'done' ? { status: 'done', result: entry.result } : { status: 'pending' };
  }

  async complete(key: string, token: string, result: unknown): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry?.state === 'pending' && entry.token !== token) return;
    // Re-inserted so Map order is completion order, which eviction relies on.
    this.#entries.delete(key);
    this.#entries.set(key, { state: 'done', result, expiresAt: Date.now() + this.#ttlMs });
    this.#evict();
    if (entry?.state === 'pending') for (const wake of entry.waiters) wake();
  }

  async release(key: string, token: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry?.state !== 'pending' || entry.token !== token) return;
    this.#entries.delete(key);
    for (const wake of entry.waiters) wake();
  }

  waitForChange(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry?.state !== 'pending') return Promise.resolve();
    return new Promise((resolve) => entry.waiters.push(resolve));
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry?.state === 'done' && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #evict(): void {
    if (this.#entries.size <= this.#maxEntries) return;
    for (const [key, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries) break;
      // In-flight keys are never evicted: their callers are waiting on them.
      if (entry.state === 'done') this.#entries.delete(key);
    }
  }
}
