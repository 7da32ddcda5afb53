// Three runs publish a message each to one RabbitMQ queue; one consumer handles them.
import amqp from 'amqplib';
import { AMQP_URL, counter, ID, inRun, RUNS, work } from './harness.mjs';

const name = `support-matrix-${ID}`;
const connection = await amqp.connect(AMQP_URL);
const channel = await connection.createChannel();
await channel.assertQueue(name, { durable: false, autoDelete: true });
const handled = counter(RUNS.length);
await channel.consume(name, (msg) => {
  work(msg.content.toString());
  channel.ack(msg);
  handled.tick();
});
await Promise.all(RUNS.map((run) => inRun(run, async () => channel.sendToQueue(name, Buffer.from(run)))));
await handled.all;
await channel.close();
await connection.close();
