// The shared profile cache: one Redis hash per profile holding the JSON document and its version.
// Every write goes through a small Lua script, so Redis itself assigns the version and appends the
// write to a log: the cache's own record of what happened, independent of any tracing.
import type { Redis } from 'ioredis';

export interface Profile {
  userId: string;
  /** Incremented by every update run: with no lost update it ends equal to the number of runs. */
  visits: number;
  lastUpdatedBy?: string;
}

/** One write as the cache logged it. `previous` > `basedOn` means versions `basedOn+1..previous` were overwritten unseen. */
export interface CacheWrite {
  writer: string;
  basedOn: number;
  version: number;
  previous: number;
}

// Last writer wins: the write lands whatever the writer had read (the bug under study).
const WRITE = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
local v = cur + 1
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'version', v)
redis.call('RPUSH', KEYS[2], cjson.encode({writer = ARGV[2], basedOn = tonumber(ARGV[3]), version = v, previous = cur}))
return v`;

// Compare-and-set: writes only if the version is still the one read; else answers the current one.
const COMPARE_AND_SET = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if cur ~= tonumber(ARGV[3]) then return {0, cur} end
local v = cur + 1
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'version', v)
redis.call('RPUSH', KEYS[2], cjson.encode({writer = ARGV[2], basedOn = tonumber(ARGV[3]), version = v, previous = cur}))
return {1, v}`;

/** Thrown by `compareAndSet` when someone wrote between the caller's read and its write. */
export class VersionConflictError extends Error {
  constructor(
    readonly key: string,
    readonly readVersion: number,
    readonly currentVersion: number,
  ) {
    super(`version conflict on ${key}: read ${readVersion}, now ${currentVersion}`);
    this.name = 'VersionConflictError';
  }
}

export class ProfileCache {
  constructor(
    private readonly redis: Redis,
    /** Prefix of every Redis key, so runs (and tests) never share data. */
    private readonly prefix: string,
  ) {}

  /** The Redis key of a profile; also the key recorded by trackRead/trackWrite. */
  key(userId: string): string {
    return `${this.prefix}profile:${userId}`;
  }

  private get logKey(): string {
    return `${this.prefix}writes`;
  }

  async read(userId: string): Promise<{ profile: Profile; version: number }> {
    const [doc, version] = await this.redis.hmget(this.key(userId), 'doc', 'version');
    return { profile: doc ? (JSON.parse(doc) as Profile) : { userId, visits: 0 }, version: Number(version ?? 0) };
  }

  async version(userId: string): Promise<number> {
    return Number((await this.redis.hget(this.key(userId), 'version')) ?? 0);
  }

  /** Last-writer-wins write; returns the version Redis assigned. */
  async write(userId: string, profile: Profile, basedOn: number, writer: string): Promise<number> {
    return Number(await this.redis.eval(WRITE, 2, this.key(userId), this.logKey, JSON.stringify(profile), writer, basedOn));
  }

  /** Writes only if the profile is still at `basedOn`; returns the new version or throws `VersionConflictError`. */
  async compareAndSet(userId: string, profile: Profile, basedOn: number, writer: string): Promise<number> {
    const [ok, version] = (await this.redis.eval(COMPARE_AND_SET, 2, this.key(userId), this.logKey, JSON.stringify(profile), writer, basedOn)) as [
      number,
      number,
    ];
    if (ok !== 1) throw new VersionConflictError(this.key(userId), basedOn, Number(version));
    return Number(version);
  }

  /** Every write, in the order Redis applied them. */
  async writeLog(): Promise<CacheWrite[]> {
    return (await this.redis.lrange(this.logKey, 0, -1)).map((line) => JSON.parse(line) as CacheWrite);
  }

  /** Deletes this prefix's profile and log. */
  async clear(userId: string): Promise<void> {
    await this.redis.del(this.key(userId), this.logKey);
  }
}
