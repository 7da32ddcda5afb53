// The first service of the cross-process tail-sampling test
// (reliability/test/collector-tail-sampling-keeps-every-failed-trace-across-processes.test.ts): RUNS
// runs, each publishing one order message to the RabbitMQ queue QUEUE, paced at RATE runs per second;
// exports everything (the collector decides) to OTLP_ENDPOINT. Prints `done <runs>`.
// Environment: SERVICE_NAME, OTLP_ENDPOINT, QUEUE, RUNS, RATE, AMQP_URL.
import { traced } from '@agentrace/decorators';
import { init } from '@agentrace/tracer';
import { trace } from '@opentelemetry/api';
import { createRequire } from 'node:module';

const env = process.env;
const runs = Number(env.RUNS);
const rate = Number(env.RATE ?? 200);
const handle = init({ serviceName: env.SERVICE_NAME!, endpoint: env.OTLP_ENDPOINT, batch: { scheduledDelayMillis: 200 }, http: false, queues: { amqplib: true, backlog: false } });
// Loaded after init, with require, so the queue instrumentation hooks it.
const amqp = createRequire(import.meta.url)('amqplib') as typeof import('amqplib');
const connection = await amqp.connect(env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672');
const channel = await connection.createChannel();
await channel.assertQueue(env.QUEUE!, { autoDelete: false });

const submit = traced(
  'submit order',
  async (id: string, index: number) => {
    trace.getActiveSpan()?.setAttribute('test.owner', id);
    channel.sendToQueue(env.QUEUE!, Buffer.from(JSON.stringify({ id, index })));
  },
  { type: 'run', correlationId: (id: string) => id },
);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const tick = 50;
const perTick = Math.max(1, Math.round((rate * tick) / 1000));
for (let i = 0; i < runs; i += perTick) {
  const started = Date.now();
  await Promise.all(Array.from({ length: Math.min(perTick, runs - i) }, (_, k) => submit(`order-${i + k}`, i + k)));
  await sleep(Math.max(0, tick - (Date.now() - started)));
}
await channel.close();
await connection.close();
await handle.shutdown();
const stats = handle.stats();
console.log(`stats ${JSON.stringify(stats)}`);
console.log(`done ${runs}`);
