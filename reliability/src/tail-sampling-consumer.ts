// The second service of the cross-process tail-sampling test: consumes RUNS order messages from the
// RabbitMQ queue QUEUE (each continues the producer's trace) and applies each order in a step that
// fails for every message whose index is FAIL_EVERY-th (index % FAIL_EVERY === FAIL_AT). Exports
// everything to OTLP_ENDPOINT. Prints `ready` once consuming, `done <runs>` at the end.
// Environment: SERVICE_NAME, OTLP_ENDPOINT, QUEUE, RUNS, FAIL_EVERY, FAIL_AT, AMQP_URL.
import { traced } from '@agentrace/decorators';
import { init } from '@agentrace/tracer';
import { trace } from '@opentelemetry/api';
import { createRequire } from 'node:module';

const env = process.env;
const runs = Number(env.RUNS);
const failEvery = Number(env.FAIL_EVERY);
const failAt = Number(env.FAIL_AT);
const handle = init({ serviceName: env.SERVICE_NAME!, endpoint: env.OTLP_ENDPOINT, batch: { scheduledDelayMillis: 200 }, http: false, queues: { amqplib: true, backlog: false } });
const amqp = createRequire(import.meta.url)('amqplib') as typeof import('amqplib');
const connection = await amqp.connect(env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672');
const channel = await connection.createChannel();
await channel.assertQueue(env.QUEUE!, { autoDelete: false });
await channel.prefetch(100);

const apply = traced('apply order', async (order: { id: string; index: number }) => {
  trace.getActiveSpan()?.setAttribute('test.owner', order.id);
  if (order.index % failEvery === failAt) throw new Error(`order ${order.id} rejected by the ledger`);
});

let handled = 0;
let allHandled!: () => void;
const done = new Promise<void>((resolve) => (allHandled = resolve));
await channel.consume(env.QUEUE!, async (msg) => {
  if (!msg) return;
  try {
    await apply(JSON.parse(msg.content.toString()));
  } catch {
    // The failure is on the step's span; the message is still acknowledged.
  }
  channel.ack(msg);
  if (++handled === runs) allHandled();
});
console.log('ready');
await done;
await channel.deleteQueue(env.QUEUE!);
await channel.close();
await connection.close();
await handle.shutdown();
console.log(`stats ${JSON.stringify(handle.stats())}`);
console.log(`done ${runs}`);
