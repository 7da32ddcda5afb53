// The agent of the bounded-heap test (reliability/test/queue-names-from-outside-leave-the-heap-bounded.test.ts):
// an RPC-style agent that sees NAMES distinct queue names, each once, as such agents do: replies
// published to a caller's own reply queue (amqplib, one `replyTo` name per caller) and one BullMQ queue
// per job or tenant. The heap is measured after a full GC once the first WARMUP names of each kind were
// seen (every code path and cache is warm) and again after all of them. Prints `result <json>`.
// Environment: NAMES, WARMUP, PREFIX, REDIS_URL, AMQP_URL.
import { init } from '@agentrace/tracer';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const names = Number(process.env.NAMES ?? 100_000);
const warmup = Number(process.env.WARMUP ?? 2_000);
const prefix = process.env.PREFIX ?? `names-${process.pid}`;
const handle = init({ serviceName: prefix, exporter: 'none', queues: { bullmq: true, amqplib: true, backlog: false } });

const require = createRequire(import.meta.url);
const amqp = require('amqplib') as typeof import('amqplib');
const bullmq = require('bullmq') as typeof import('bullmq');
const IORedis = require('ioredis') as typeof import('ioredis').default;

const connection = await amqp.connect(process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672');
const channel = await connection.createChannel();
// One connection for every queue (100,000 of them): BullMQ takes an ioredis client, typed by its own copy of ioredis.
const redis = new IORedis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const bullConnection = redis as unknown as import('bullmq').ConnectionOptions;
const bullPrefix = `agentrace-${prefix}`;

/** Replies to `count` callers, each with a reply queue of its own (unrouted: nobody waits in this test). */
async function replies(from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    if (!channel.publish('', `amq.gen-${prefix}-reply-${i}`, Buffer.from('reply'), { correlationId: `call-${i}` })) {
      await new Promise((resolve) => channel.once('drain', resolve));
    }
  }
}

/** One job on each of `count` queues of their own, 100 at a time; each Queue closed after its job. */
async function jobs(from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, from + count - start) }, async (_, k) => {
        const queue = new bullmq.Queue(`${prefix}-queue-${start + k}`, { connection: bullConnection, prefix: bullPrefix });
        await queue.add('job', { n: start + k }, { removeOnComplete: true });
        await queue.close();
      }),
    );
  }
}

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

await replies(0, warmup);
await jobs(0, warmup);
await new Promise((resolve) => setTimeout(resolve, 200));
const before = heapAfterGc();
await replies(warmup, names - warmup);
await jobs(warmup, names - warmup);
await new Promise((resolve) => setTimeout(resolve, 200));
const after = heapAfterGc();

// Remove what the jobs left in Redis.
let cursor = '0';
do {
  const [next, keys] = await redis.scan(cursor, 'MATCH', `${bullPrefix}:*`, 'COUNT', 1000);
  cursor = next;
  if (keys.length > 0) await redis.unlink(...keys);
} while (cursor !== '0');
await channel.close();
await connection.close();
await redis.quit();
await handle.shutdown();
process.stdout.write(`result ${JSON.stringify({ names, warmup, before, after, growth: after - before })}\n`);
process.exit(0);
