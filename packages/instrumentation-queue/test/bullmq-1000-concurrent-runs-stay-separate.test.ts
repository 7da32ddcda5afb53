import { setupTracing, type TestTracing } from '@agentrace/testing';
import { instrumentBullMQ } from '@agentrace/instrumentation-queue';
import * as bullmq from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectEachMessageInItsOwnRun } from './utils/assert-runs.js';
import { redisConnection } from './utils/brokers.js';
import { currentRunId, inRun, inWorkerBoot, uniqueName, waitFor } from './utils/runs.js';

const RUNS = 1000;
let tracing: TestTracing;

beforeAll(() => {
  tracing = setupTracing();
});
afterAll(async () => {
  await tracing.shutdown();
});

it('keeps 1,000 messages from 1,000 concurrent runs each in its own trace, with worker concurrency 16', async () => {
  const handle = instrumentBullMQ(bullmq);
  const connection = redisConnection();
  const prefix = uniqueName('agentrace-bullmq');
  const name = uniqueName('q');
  const seen = new Map<string, string | undefined>();
  const worker = inWorkerBoot(
    () =>
      new bullmq.Worker(
        name,
        async (job) => {
          await new Promise((resolve) => setImmediate(resolve));
          seen.set(job.data.run, currentRunId());
        },
        { connection, prefix, concurrency: 16 },
      ),
  );
  const queue = new bullmq.Queue(name, { connection, prefix });
  try {
    await Promise.all(Array.from({ length: RUNS }, (_, i) => inRun(`r${i}`, () => queue.add('step', { run: `r${i}` }))));
    await waitFor('every message processed', () => seen.size === RUNS, 50_000);
    await waitFor('every process span ended', () => tracing.spans().filter((s) => s.name === `process ${name}`).length === RUNS);
    expectEachMessageInItsOwnRun(tracing, RUNS, `send ${name}`, `process ${name}`, seen);
    expect(Math.max(...tracing.spans().filter((s) => s.name === `process ${name}`).map((s) => Number(s.attributes['agentrace.consumer.in_flight'])))).toBeGreaterThan(1);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    handle.disable();
  }
});
