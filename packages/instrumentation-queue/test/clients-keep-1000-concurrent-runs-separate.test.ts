// For every registered client: 1,000 messages from 1,000 concurrent runs, consumed 16 at a time by a
// consumer started at boot. Every process span must sit under its own run's producer span (or its own
// run's span, for in-process queues), none orphaned or crossed, and every handler must see its own run.
// A client whose messages cannot carry a context (ioredis pub/sub) has its subscriber created inside a
// run instead: every handler must run outside any run, that one included.
import { useTracing } from '@agentrace/testing/vitest';
import { expect, it } from 'vitest';
import { expectEachMessageInItsOwnRun } from './utils/assert-runs.js';
import { describeEachClient, useLoadedClient } from './utils/clients.js';
import { byName, currentRunId, inRun, waitFor } from './utils/runs.js';

const RUNS = 1000;
const CONCURRENCY = 16;
const tracing = useTracing();

describeEachClient((client) => {
  const loaded = useLoadedClient(client);

  it(`keeps 1,000 messages from 1,000 concurrent runs each in its own trace, consumed ${CONCURRENCY} at a time`, async () => {
    const s = await loaded.open({ concurrency: CONCURRENCY });
    const seen = new Map<string, string | undefined>();
    await s.consume(async (payload) => {
      await new Promise((resolve) => setImmediate(resolve));
      seen.set(payload, currentRunId());
    });
    await Promise.all(Array.from({ length: RUNS }, (_, i) => inRun(`r${i}`, () => s.publish(`r${i}`))));
    await waitFor('every message processed', () => seen.size === RUNS, 50_000);
    if (loaded.adapter.messages === 'detaches') {
      // No carrier, no spans: every handler ran outside any run, the subscriber's creator included.
      expect([...seen.values()].filter((run) => run !== undefined)).toEqual([]);
      expect(tracing.spans().filter((span) => !span.name.startsWith('run '))).toEqual([]);
      return;
    }
    await waitFor('every process span ended', () => byName(tracing.spans(), s.processSpanName).length === RUNS);
    expectEachMessageInItsOwnRun(tracing, RUNS, s.producerSpanName, s.processSpanName, seen);
    if (loaded.adapter.recordsConcurrency) {
      const processes = byName(tracing.spans(), s.processSpanName);
      expect(Math.max(...processes.map((span) => Number(span.attributes['agentrace.consumer.in_flight'])))).toBeGreaterThan(1);
      expect(processes.every((span) => span.attributes['agentrace.consumer.concurrency'] === CONCURRENCY)).toBe(true);
    }
  });
});
