import { randomUUID } from 'node:crypto';
import { reportOnce } from './diagnostics.js';
import type { IdempotencyClaim, IdempotencyStore, RedisIdempotencyStoreOptions, RedisLikeClient } from './types.js';

const DEFAULT_PREFIX = 'agentrace:idempotency:';
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_TTL_MS = 86_400_000;
const DEFAULT_POLL_MS = 25;

// Deletes the claim only if it is still ours: after a lease expired another caller may hold the key.
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/** What the store keeps under a key: a claim in flight (`p`, with its owner's token) or a result (`d`). */
type Stored = { s: 'p'; t: string } | { s: 'd'; r?: unknown };

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value > 0 && Number.isFinite(value)) return Math.ceil(value);
  reportOnce(`redis-store:${name}`, `RedisIdempotencyStore: option ${name} must be a positive number of milliseconds; got ${String(value)}. Using ${fallback}.`);
  return fallback;
}

/**
 * An idempotency store shared by every process using the same Redis: a key is claimed with
 * `SET key <claim> NX PX leaseMs` (atomic, and expiring if its owner dies), the result is stored as
 * JSON for `ttlMs`, and a repeat gets the parsed JSON back (a copy, not the first object; `undefined`
 * stays `undefined`). Results must be JSON-serializable; `idempotent` reports one that is not.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #client: RedisLikeClient;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #ttlMs: number;
  readonly #pollMs: number;

  constructor(options: RedisIdempotencyStoreOptions) {
    if (options === undefined || options === null || typeof options.client?.set !== 'function') {
      // A constructor is set-up code, not the agent's hot path: failing loudly here is the useful answer.
      throw new TypeError('RedisIdempotencyStore: option client must be an ioredis client (new Redis(url)); got ' + String(options?.client));
    }
    this.#client = options.client;
    this.#prefix = options.keyPrefix ?? DEFAULT_PREFIX;
    this.#leaseMs = positive('leaseMs', options.leaseMs, DEFAULT_LEASE_MS);
    this.#ttlMs = positive('ttlMs', options.ttlMs, DEFAULT_TTL_MS);
    this.#pollMs = positive('pollIntervalMs', options.pollIntervalMs, DEFAULT_POLL_MS);
  }

  async claim(key: string): Promise<IdempotencyClaim> {
    const redisKey = this.#prefix + key;
    const token = randomUUID();
    const claimed = await this.#client.set(redisKey, claimValue(token), 'PX', this.#leaseMs, 'NX');
    if (claimed === 'OK') return { status: 'claimed', token };
    const raw = await this.#client.get(redisKey);
    // Gone between the two commands (expired or released): in flight as far as we know; the caller retries.
    if (raw === null) return { status: 'pending' };
    const stored = JSON.parse(raw) as Stored;
    return stored.s === 'd' ? { status: 'done', result: stored.r } : { status: 'pending' };
  }

  async complete(key: string, _token: string, result: unknown): Promise<void> {
    const value = JSON.stringify({ s: 'd', r: result } satisfies Stored);
    await this.#client.set(this.#prefix + key, value, 'PX', this.#ttlMs);
  }

  async release(key: string, token: string): Promise<void> {
    await this.#client.eval(RELEASE_SCRIPT, 1, this.#prefix + key, claimValue(token));
  }

  waitForChange(_key: string): Promise<void> {
    // Redis has no cheap per-key wake-up without a second connection (keyspace notifications), so poll.
    return new Promise((resolve) => setTimeout(resolve, this.#pollMs));
  }
}

function claimValue(token: string): string {
  return JSON.stringify({ s: 'p', t: token } satisfies Stored);
}
