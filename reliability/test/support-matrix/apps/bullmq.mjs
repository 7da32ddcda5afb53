// Three runs add a job each to one BullMQ queue; one worker processes them. With MATRIX_BULLMQ_OTEL
// set, the queue and the worker are given BullMQ's own telemetry (bullmq-otel) as well.
import { Queue, Worker } from 'bullmq';
import { counter, ID, inRun, REDIS, RUNS, work } from './harness.mjs';

const connection = { host: REDIS.hostname, port: Number(REDIS.port || 6379) };
const telemetry = process.env.MATRIX_BULLMQ_OTEL ? { telemetry: new (await import('bullmq-otel')).BullMQOtel('support-matrix') } : {};
const name = `support-matrix-${ID}`;
const queue = new Queue(name, { connection, ...telemetry });
const processed = counter(RUNS.length);
const worker = new Worker(
  name,
  async (job) => {
    work(job.data.run);
    processed.tick();
  },
  { connection, ...telemetry },
);
await Promise.all(RUNS.map((run) => inRun(run, () => queue.add('job', { run }))));
await processed.all;
await worker.close();
await queue.obliterate({ force: true });
await queue.close();
