import { SpanStatusCode } from '@opentelemetry/api';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { bindToEnqueuer } from '@agentrace/instrumentation-queue';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';

let tracing: TestTracing;
beforeAll(() => {
  tracing = setupTracing();
});
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

// Every client (in-process, BullMQ, amqplib) records a failure through the same recordFailure; the
// in-process task is the one that needs no broker. The real brokers are checked end to end in
// reliability/test/planted-secrets-never-reach-jaeger.test.ts.
it('a failed task records its error with credentials masked, and the caller still gets the same error', async () => {
  const boom = new Error('sync refused: token=t0k-secret-1, Authorization: Bearer abcdefghijklmnop');
  const task = bindToEnqueuer(
    async () => {
      throw boom;
    },
    { destination: 'jobs' },
  );
  await expect(task()).rejects.toBe(boom);
  const span = tracing.spans().find((s) => s.name === 'process jobs')!;
  const masked = 'sync refused: token=[REDACTED], Authorization: Bearer [REDACTED]';
  expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: masked });
  expect(span.attributes['agentrace.messaging.failure_reason']).toBe(masked);
  const event = span.events.find((e) => e.name === 'exception')!;
  expect(event.attributes?.['exception.message']).toBe(masked);
  expect(String(event.attributes?.['exception.stacktrace'])).toContain(masked);
  expect(JSON.stringify([span.attributes, span.events, span.status])).not.toMatch(/t0k-secret-1|abcdefghijklmnop/);
  expect(boom.message).toContain('t0k-secret-1');
});
