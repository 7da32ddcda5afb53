// Issue 8, concurrency soak: 10,000 decorated runs in flight at once, each making nested steps over
// timers and two hops among HTTP (fetch, undici, node:http against an instrumented local server), HTTP
// through dispatchers of 2 connections (fetch through an undici Agent, undici.request through a Pool),
// an in-process queue (p-queue, fastq), BullMQ (real Redis), RabbitMQ (real broker) and a setInterval
// poller started lazily by the first run that uses it, whose handler starts a run per message. Broker
// consumers are started before the runs. Every span must sit in its own run's tree, and each message
// the loop handled in a trace of its own. reliability/soak-mixed.ts is the same soak as a script, for
// bigger run counts.
import { captureDiagnostics, setupTracing, type TestTracing } from '@agentrace/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectedSpanCount, TRANSPORTS } from '../src/mixed-plan.js';
import { assertMixedSoak, formatMixedSoak, runMixedSoak, summarizeMixedSoak } from '../src/mixed-soak.js';

const RUNS = 10_000;

let tracing: TestTracing;
beforeAll(() => {
  tracing = setupTracing({ serviceName: 'reliability-mixed-soak' });
});
afterAll(() => tracing.shutdown());

it(`${RUNS.toLocaleString('en-US')} concurrent runs over every transport: 0 orphaned spans, 0 spans in the wrong run, 0 spans left open`, async () => {
  const diagnostics = captureDiagnostics();
  let result: Awaited<ReturnType<typeof runMixedSoak>>;
  try {
    result = await runMixedSoak({ runs: RUNS, tracing });
  } finally {
    diagnostics.restore();
  }
  const summary = summarizeMixedSoak(tracing, result);
  console.log(formatMixedSoak(summary));

  expect(result.failedRuns).toEqual([]);
  expect(result.mismatches).toEqual([]);
  expect(result.errors).toEqual([]);
  expect(result.lost).toEqual([]);
  expect(result.unexpected).toEqual([]);
  // Every run was in flight at the same time, and each transport carried thousands of them (a third each).
  expect(summary.peakInFlight).toBe(RUNS);
  for (const transport of TRANSPORTS) expect(summary.runsBy[transport]).toBeGreaterThanOrEqual(RUNS / 4);
  const clients = ['http fetch', 'http undici', 'http node:http', 'limited-http fetch', 'limited-http undici', 'in-process p-queue', 'in-process fastq'];
  for (const client of clients) expect(summary.runsBy[client]).toBeGreaterThanOrEqual(RUNS / 10);

  // The broker consumers interleaved messages of different runs.
  expect(summary.consumerPeak.bullmq).toBeGreaterThan(1);
  expect(summary.consumerPeak.rabbitmq).toBeGreaterThan(1);

  // The lazy loop kept the context of the one run that started it. It handled messages both while that
  // run was live (the message's own correlation id makes a new trace) and after it ended (the
  // ended-run rule does, and says so once); every run it started links to the step that started it.
  const loopRuns = summary.runsBy['lazy-loop']!;
  expect(summary.loop).toEqual({
    startedIn: 1,
    starter: expect.stringMatching(/^run-\d+$/),
    whileStarterLive: expect.any(Number),
    afterStarterEnded: expect.any(Number),
    linkedToStarter: loopRuns,
  });
  expect(summary.loop.whileStarterLive + summary.loop.afterStarterEnded).toBe(loopRuns);
  expect(summary.loop.whileStarterLive).toBeGreaterThan(0);
  expect(summary.loop.afterStarterEnded).toBeGreaterThan(0);
  expect(diagnostics.messages.filter((m) => m.text.includes('which has ended'))).toHaveLength(1);

  // The test kit's assertions, which name the offending spans: open spans, orphans, mixed or split
  // runs, and each run's exact tree (names, kinds, nesting, correlation id on every span), the loop's
  // runs included.
  assertMixedSoak(tracing, result);

  const traces = RUNS + loopRuns;
  expect(summary).toMatchObject({ orphans: 0, wrongRun: 0, open: 0, wrongSpanCount: 0, traces, tracesWithOneRunRoot: traces, loopTraces: loopRuns });
  expect(summary.spans).toBe(result.plans.reduce((sum, plan) => sum + expectedSpanCount(plan, result.names), 0));
}, 240_000);
