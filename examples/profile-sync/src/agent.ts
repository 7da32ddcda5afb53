// The profile-sync agent. One update request is one run, so one trace, across three processes:
// fetch the profile (identity API), write it to the database (Redis) and check it is there, sync it
// over HTTP to services B and C (each its own process), then update the shared cache (Redis).
import { agent, run, step, tool, withSpan } from '@agentrace/decorators';
import { trackRead, trackWrite, verify } from '@agentrace/state';
import { trace } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import type { Profile } from './profile-api.js';

export interface UpdateRequest {
  /** The request id: the run's correlation id. */
  requestId: string;
  userId: string;
  patch: Partial<Profile>;
}

export interface SyncTarget {
  name: string;
  url: string;
}

export interface ProfileSyncDeps {
  redis: Redis;
  /** Prefix of every Redis key the agent writes. */
  keyPrefix: string;
  profileApiUrl: string;
  targets: readonly SyncTarget[];
}

// Writes the document and bumps its version in one step; returns the new version.
const WRITE_VERSIONED = `
local v = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'doc', ARGV[1])
return v`;

@agent('profile-sync')
export class ProfileSyncAgent {
  /** The trace id of each request's run, so the caller can say where to look. */
  readonly traceIds = new Map<string, string>();

  constructor(private readonly deps: ProfileSyncDeps) {}

  @run({ correlationId: (request: UpdateRequest) => request.requestId, runAttributes: (request: UpdateRequest) => ({ 'user.id': request.userId }) })
  async handle(request: UpdateRequest): Promise<{ userId: string; version: number }> {
    const traceId = trace.getActiveSpan()?.spanContext().traceId;
    if (traceId !== undefined) this.traceIds.set(request.requestId, traceId);
    const profile = { ...(await this.fetchProfile(request.userId)), ...request.patch };
    const version = await this.writeDatabase(profile);
    // Both services at once; if one fails the run fails here, and the cache keeps the old profile.
    await Promise.all(this.deps.targets.map((target) => this.syncTo(target, profile)));
    await this.updateCache(profile, version);
    return { userId: profile.userId, version };
  }

  @tool({ name: 'profile_api', description: 'Fetches a user profile from the identity provider' })
  async fetchProfile(userId: string): Promise<Profile> {
    const res = await fetch(`${this.deps.profileApiUrl}/profiles/${encodeURIComponent(userId)}`);
    if (!res.ok) throw new Error(`profile API answered ${res.status} for ${userId}`);
    return (await res.json()) as Profile;
  }

  @step('write database')
  async writeDatabase(profile: Profile): Promise<number> {
    const key = `${this.deps.keyPrefix}db:profile:${profile.userId}`;
    const basedOn = Number((await this.deps.redis.hget(key, 'version')) ?? 0);
    trackRead(key, basedOn);
    const version = Number(await this.deps.redis.eval(WRITE_VERSIONED, 1, key, JSON.stringify(profile)));
    trackWrite(key, { basedOn, version });
    // A reply is not proof: read the row back and compare.
    await verify('database holds profile', async () => (await this.deps.redis.hget(key, 'doc')) === JSON.stringify(profile));
    return version;
  }

  /** One span per target, named after it (`sync to B`), with the HTTP CLIENT span beneath. */
  syncTo(target: SyncTarget, profile: Profile): Promise<void> {
    return withSpan(
      `sync to ${target.name}`,
      async () => {
        const res = await fetch(`${target.url}/profiles/${encodeURIComponent(profile.userId)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(profile),
        });
        const body = (await res.json()) as { error?: string };
        if (!res.ok) throw new Error(`service ${target.name} answered ${res.status}: ${body.error ?? 'no reason given'}`);
      },
      { attributes: () => ({ 'peer.service': target.name }) },
    );
  }

  @step('update cache')
  async updateCache(profile: Profile, version: number): Promise<void> {
    const key = `${this.deps.keyPrefix}cache:profile:${profile.userId}`;
    await this.deps.redis.set(key, JSON.stringify({ version, profile }), 'EX', 3600);
    trackWrite(key, { version });
  }
}
