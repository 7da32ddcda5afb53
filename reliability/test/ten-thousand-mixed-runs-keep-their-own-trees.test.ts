// Issue 8, concurrency soak: 10,000 decorated runs in flight at once, each making nested steps over
// timers and two hops among HTTP (fetch, undici, node:http against an instrumented local server), an
// in-process queue (p-queue, fastq), BullMQ (real Redis) and RabbitMQ (real broker), with consumers
// started before the runs. Every span must sit in its own run's tree. reliability/soak-mixed.ts is
// the same soak as a script, for bigger run counts.
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectedSpanCount } from '../src/mixed-plan.js';
import { assertMixedSoak, formatMixedSoak, runMixedSoak, summarizeMixedSoak } from '../src/mixed-soak.js';

const RUNS = 10_000;

let tracing: TestTracing;
beforeAll(() => {
  tracing = setupTracing({ serviceName: 'reliability-mixed-soak' });
});
afterAll(() => tracing.shutdown());

it(`${RUNS.toLocaleString('en-US')} concurrent runs over every transport: 0 orphaned spans, 0 spans in the wrong run, 0 spans left open`, async () => {
  const result = await runMixedSoak({ runs: RUNS, tracing });
  const summary = summarizeMixedSoak(tracing, result);
  console.log(formatMixedSoak(summary));

  expect(result.failedRuns).toEqual([]);
  expect(result.mismatches).toEqual([]);
  expect(result.errors).toEqual([]);
  expect(result.lost).toEqual([]);
  expect(result.unexpected).toEqual([]);
  // Every run was in flight at the same time, and each transport carried thousands of them.
  expect(summary.peakInFlight).toBe(RUNS);
  for (const transport of ['http', 'in-process', 'bullmq', 'rabbitmq']) expect(summary.runsBy[transport]).toBeGreaterThanOrEqual(RUNS / 4);
  for (const client of ['http fetch', 'http undici', 'http node:http', 'in-process p-queue', 'in-process fastq']) {
    expect(summary.runsBy[client]).toBeGreaterThanOrEqual(RUNS / 8);
  }

  // The broker consumers interleaved messages of different runs.
  expect(summary.consumerPeak.bullmq).toBeGreaterThan(1);
  expect(summary.consumerPeak.rabbitmq).toBeGreaterThan(1);

  // The test kit's assertions, which name the offending spans: open spans, orphans, mixed or split
  // runs, and each run's exact tree (names, kinds, nesting, correlation id on every span).
  assertMixedSoak(tracing, result);

  expect(summary).toMatchObject({ orphans: 0, wrongRun: 0, open: 0, wrongSpanCount: 0, traces: RUNS, tracesWithOneRunRoot: RUNS });
  expect(summary.spans).toBe(result.plans.reduce((sum, plan) => sum + expectedSpanCount(plan, result.names), 0));
}, 240_000);
