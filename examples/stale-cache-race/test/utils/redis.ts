// The real Redis for a test file of the race examples: every key the file writes starts with its
// own prefix, and those keys are deleted after the file's tests.
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

export interface TestRedis {
  /** The connection, open from `beforeAll` to `afterAll`. */
  readonly client: Redis;
  /** `test:<name>:<pid>:<time>:`, the start of every key of this file. */
  readonly prefix: string;
}

/** Connects before the file's tests (`REDIS_URL`, else 127.0.0.1:6379); deletes the prefix's keys and disconnects after them. */
export function useTestRedis(name: string): TestRedis {
  const prefix = `test:${name}:${process.pid}:${Date.now()}:`;
  let client: Redis | undefined;
  beforeAll(() => {
    client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  });
  afterAll(async () => {
    if (client === undefined) return;
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  });
  return {
    prefix,
    get client(): Redis {
      if (client === undefined) throw new Error('useTestRedis: the connection opens in beforeAll; use it inside a test or hook.');
      return client;
    },
  };
}
