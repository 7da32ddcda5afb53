// The processor's error reaches the attempt's span through BullMQ's handleFailed, found in the context
// the attempt runs in (no per-job map). With many jobs failing at once on one worker, each error must
// land on its own job's process span, never on a neighbour's, and successful jobs stay clean.
import { SpanStatusCode } from '@opentelemetry/api';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { instrumentBullMQ, type QueueInstrumentationHandle } from '@agentrace/instrumentation-queue';
import * as bullmq from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisConnection } from './utils/brokers.js';
import { byName, inRun, inWorkerBoot, uniqueName, waitFor } from './utils/runs.js';

const connection = redisConnection();
const prefix = uniqueName('agentrace-bullmq-fail');
let tracing: TestTracing;
let handle: QueueInstrumentationHandle;

beforeAll(() => {
  tracing = setupTracing();
  handle = instrumentBullMQ(bullmq);
});
afterAll(async () => {
  handle.disable();
  await tracing.shutdown();
});

it('records each failing job on its own process span while 60 jobs (half failing) run 12 at a time', async () => {
  const name = uniqueName('q');
  const total = 60;
  const worker = inWorkerBoot(
    () =>
      new bullmq.Worker(
        name,
        async (job) => {
          // Interleave the attempts so failures of different jobs overlap in time.
          await new Promise((resolve) => setTimeout(resolve, (job.data as { i: number }).i % 5));
          if ((job.data as { i: number }).i % 2 === 1) throw new Error(`job ${job.id} failed`);
          return 'ok';
        },
        { connection, prefix, concurrency: 12 },
      ),
  );
  worker.on('error', () => {});
  const queue = new bullmq.Queue(name, { connection, prefix });
  try {
    const jobs = await Promise.all(Array.from({ length: total }, (_, i) => inRun(`run-${i}`, () => queue.add('step', { i }))));
    await waitFor('all process spans', () => byName(tracing.spans(), `process ${name}`).length === total);

    const spans = byName(tracing.spans(), `process ${name}`);
    const byId = new Map(spans.map((s) => [String(s.attributes['messaging.message.id']), s]));
    for (const job of jobs) {
      const span = byId.get(String(job.id))!;
      expect(span).toBeDefined();
      if ((job.data as { i: number }).i % 2 === 1) {
        expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: `job ${job.id} failed` });
        expect(span.attributes['agentrace.messaging.failure_reason']).toBe(`job ${job.id} failed`);
        expect(span.attributes['error.type']).toBe('Error');
        expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(1);
      } else {
        expect(span.status.code).toBe(SpanStatusCode.UNSET);
        expect(span.attributes['error.type']).toBeUndefined();
        expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(0);
      }
    }
  } finally {
    await worker.close(true);
    await queue.obliterate({ force: true });
    await queue.close();
  }
});
