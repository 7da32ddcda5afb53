// The receiving side of the wire corpus test (reliability/test/wire-corpus-is-read-as-w3c-says.test.ts):
// an HTTP server, an amqplib consumer and a BullMQ worker, traced by the real `init` exporting to the
// real Jaeger, with every diagnostic captured. The test sends the corpus from outside (raw sockets, a
// plain amqplib channel, a plain BullMQ queue); a request to /done makes the agent wait for the
// messages it was told to expect, flush, print `result <json>` and exit.
// Environment: SERVICE_NAME, OTLP_ENDPOINT, AMQP_QUEUE, BULL_QUEUE, AMQP_CASES, BULL_CASES, REDIS_URL, AMQP_URL.
import { init } from '@agentrace/tracer';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

const env = process.env;
const diagnostics: string[] = [];
const record = (level: string) => (message: string, ...args: unknown[]) => {
  diagnostics.push(`${level}: ${[message, ...args.map(String)].join(' ')}`);
};
const handle = init({
  serviceName: env.SERVICE_NAME!,
  endpoint: env.OTLP_ENDPOINT,
  batch: { scheduledDelayMillis: 100 },
  logger: { error: record('error'), warn: record('warn'), info: () => {}, debug: () => {} },
  logLevel: 'warn',
  queues: { bullmq: true, amqplib: true, backlog: false },
});

const require = createRequire(import.meta.url);
const amqp = require('amqplib') as typeof import('amqplib');
const bullmq = require('bullmq') as typeof import('bullmq');

const amqpExpected = Number(env.AMQP_CASES);
const bullExpected = Number(env.BULL_CASES);
const handled = { http: 0, amqp: 0, bullmq: 0 };
let allHandled: () => void = () => {};
const done = new Promise<void>((resolve) => (allHandled = resolve));
const check = (): void => {
  if (handled.amqp >= amqpExpected && handled.bullmq >= bullExpected) allHandled();
};

const connection = await amqp.connect(env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672');
const channel = await connection.createChannel();
await channel.assertQueue(env.AMQP_QUEUE!, { durable: false });
await channel.consume(env.AMQP_QUEUE!, (msg) => {
  if (!msg) return;
  handled.amqp++;
  channel.ack(msg);
  check();
});

const redisUrl = new URL(env.REDIS_URL || 'redis://127.0.0.1:6379');
const worker = new bullmq.Worker(
  env.BULL_QUEUE!,
  async () => {
    handled.bullmq++;
    setImmediate(check);
  },
  { connection: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379), maxRetriesPerRequest: null }, prefix: `agentrace-${env.BULL_QUEUE}`, concurrency: 8 },
);
worker.on('error', (error) => diagnostics.push(`worker error: ${String(error)}`));
await worker.waitUntilReady();

let finish: () => void = () => {};
const finished = new Promise<void>((resolve) => (finish = resolve));
const server = http.createServer((req, res) => {
  if (req.url === '/done') {
    res.end('bye');
    finish();
    return;
  }
  handled.http++;
  req.resume();
  req.on('end', () => res.end('ok'));
});
server.on('clientError', (_error, socket) => socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);

await finished;
check();
await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30_000))]);
// Let the last deliveries' spans end (after the ack, after the processor settles).
await new Promise((resolve) => setTimeout(resolve, 300));
await worker.close();
await channel.deleteQueue(env.AMQP_QUEUE!);
await connection.close();
await new Promise((resolve) => server.close(resolve));
await handle.shutdown();
process.stdout.write(`result ${JSON.stringify({ handled, diagnostics, stats: handle.stats() })}\n`);
process.exit(0);
