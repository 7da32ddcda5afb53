// ioredis pub/sub: a channel per session, a publisher connection opened at boot and a subscriber
// connection opened inside a run (`creatorRun`), the case the instrumentation is for: a subscriber made
// lazily by the first run that needed it. A pub/sub payload is a plain string, so the instrumentation
// records no span and carries no context; it only keeps the subscriber's listeners out of that run.
import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import { redisConnection } from '../utils/brokers.js';
import { inRun, uniqueName } from '../utils/runs.js';
import type { ClientLibrary, ClientSession, ClientTestAdapter, SessionOptions } from './types.js';

const require = createRequire(import.meta.url);

type IORedisModule = typeof IORedis;

/** The run every session's subscriber is created in. */
const CREATOR_RUN = 'subscriber-creator';

function connect(lib: ClientLibrary, options: IORedis.RedisOptions = {}): IORedis.Redis {
  const { host, port } = redisConnection();
  return new (lib as IORedisModule).Redis({ host, port, ...options });
}

export const adapter: ClientTestAdapter = {
  recordsConcurrency: false,
  messages: 'detaches',
  crossProcess: false,

  load: () => require('ioredis') as ClientLibrary,

  patchedMethods(lib) {
    const { Redis, Cluster } = lib as IORedisModule;
    return [
      [Redis.prototype, 'emit'],
      [Cluster.prototype, 'emit'],
    ];
  },

  async open(lib, { name = uniqueName('agentrace-pubsub') }: SessionOptions = {}): Promise<ClientSession> {
    const publisher = connect(lib);
    // Never connected: the hostile calls emit on it directly, as ioredis's socket handler would.
    const idle = connect(lib, { lazyConnect: true });
    idle.on('message', () => {});
    let subscriber: IORedis.Redis | undefined;
    return {
      destination: name,
      producerSpanName: undefined,
      processSpanName: `process ${name}`,
      creatorRun: CREATOR_RUN,
      async publish(payload) {
        await publisher.publish(name, payload);
      },
      async consume(handler) {
        await inRun(CREATOR_RUN, async () => {
          const sub = connect(lib);
          subscriber = sub;
          sub.on('message', (channel: string, payload: string) => {
            if (channel !== name) return;
            // A listener's throw would reach ioredis's reply parser: failures stay with the handler.
            try {
              void Promise.resolve(handler(payload)).catch(() => {});
            } catch {
              // the handler's own failure
            }
          });
          await sub.subscribe(name);
        });
      },
      hostile: [
        // What passes through the instrumentation is `emit` and its arguments, from ioredis's socket handler.
        {
          position: 'emit event name',
          skip: { 'sparse array of length 2^32-1': 'EventEmitter makes it a property key: a 4-billion-comma string (minutes)' },
          send: (value) => idle.emit(value as string),
        },
        { position: 'message event channel', send: (value) => idle.emit('message', value, 'payload') },
        { position: 'message event payload', send: (value) => idle.emit('message', name, value) },
        { position: 'unhandled error event value', send: (value) => idle.emit('error', value) },
      ],
      async close() {
        subscriber?.disconnect();
        idle.disconnect();
        await publisher.quit();
      },
    };
  },
};
