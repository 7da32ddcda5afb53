// A user's own OpenTelemetry setup, with no @agentrace/tracer: `NodeSDK` from @opentelemetry/sdk-node,
// given agentrace's instrumentation classes as it would be given any other. One run calls a local
// HTTP service and publishes to RabbitMQ; the consumer handles the message. Prints
// `trace <id>` and exits once everything is exported. Environment: SERVICE_NAME, OTLP_TRACES_URL,
// AMQP_URL, QUEUE.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { RunAttributesSpanProcessor } from '@agentrace/core';
import { traced } from '@agentrace/decorators';
import { AgentraceHttpInstrumentation } from '@agentrace/instrumentation-http';
import { AmqplibInstrumentation } from '@agentrace/instrumentation-queue';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type * as Amqp from 'amqplib';

const env = process.env;
const sdk = new NodeSDK({
  serviceName: env.SERVICE_NAME ?? 'users-own-nodesdk',
  // The run attributes processor is what puts the correlation id on HTTP and queue spans too.
  spanProcessors: [new RunAttributesSpanProcessor(), new BatchSpanProcessor(new OTLPTraceExporter({ url: env.OTLP_TRACES_URL }))],
  // The HTTP service is this process's own: its callers (loopback) are trusted with the run's identity.
  instrumentations: [new AgentraceHttpInstrumentation({ trustedCallers: ['internal'] }), new AmqplibInstrumentation()],
});
sdk.start();

// Loaded after start, as with any OpenTelemetry instrumentation: the hook patches it on require.
const amqp = createRequire(import.meta.url)('amqplib') as typeof Amqp;

const server = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end('{"plan":"pro"}');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;

const queue = env.QUEUE ?? 'users-own-nodesdk';
const connection = await amqp.connect(env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
const channel = await connection.createChannel();
await channel.assertQueue(queue, { durable: false, autoDelete: true });

let handled: () => void = () => {};
const done = new Promise<void>((resolve) => (handled = resolve));
const processMessage = traced('process upgrade', async (body: string) => JSON.parse(body) as unknown);
await channel.consume(queue, (message) => {
  if (message === null) return;
  void processMessage(message.content.toString()).then(() => {
    channel.ack(message);
    handled();
  });
});

let traceId = '';
const handle = traced(
  'handle upgrade',
  async (request: { correlationId: string; userId: string }) => {
    traceId = trace.getActiveSpan()?.spanContext().traceId ?? '';
    const response = await fetch(`http://127.0.0.1:${port}/users/${request.userId}/plan`);
    const plan = (await response.json()) as { plan: string };
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ userId: request.userId, plan: plan.plan })));
  },
  { type: 'run' },
);
await handle({ correlationId: `nodesdk-${process.pid}`, userId: 'u-1' });
await done;
await channel.close();
await connection.close();
server.close();
await sdk.shutdown();
process.stdout.write(`trace ${traceId}\n`);
