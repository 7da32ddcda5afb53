// Work shared by many runs (a memoised in-flight request, a DataLoader-style batch) runs once, in a
// trace of its own linked to every run that waited for it; each waiting run's trace has a span for the
// wait, linked to the shared work. 100 concurrent runs.
import { createSharedWork, traced } from '@agentrace/decorators';
import { assertNoCrossRunSpans, assertNoOrphans, assertSpansInTheirRuns } from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';

const RUNS = 100;
const tracing = useTracing({ serviceName: 'shared-work' });

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const probe = (owner: string): void => trace.getTracer('probe').startActiveSpan('probe', { attributes: { 'test.owner': owner } }, (s) => s.end());

/** A DataLoader-style batcher: loads asked for in the same turn of the event loop go in one batch. */
function batcher(load: (keys: string[]) => Promise<Map<string, string>>) {
  const shared = createSharedWork('load users');
  let open: { id: string; keys: string[] } | undefined;
  let batches = 0;
  return {
    shared,
    batches: () => batches,
    async get(key: string): Promise<string> {
      if (open === undefined) {
        const batch = (open = { id: `batch-${batches++}`, keys: [] });
        setImmediate(() => {
          if (open === batch) open = undefined;
        });
      }
      const batch = open;
      batch.keys.push(key);
      const values = await shared.run(batch.id, async () => {
        await tick();
        return load(batch.keys);
      });
      return values.get(key)!;
    },
  };
}

function linkedSpanIds(span: ReadableSpan): string[] {
  return span.links.map((link) => link.context.spanId);
}

it('a memoised in-flight request and a batch run once, and every waiting run shows and links what it waited for', async () => {
  let configFetches = 0;
  const config = createSharedWork('fetch config');
  const users = batcher(async (keys) => new Map(keys.map((k) => [k, `user ${k}`])));
  const handle = traced(
    'handle',
    async (message: { correlationId: string; user: string }) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
      const [settings, user] = await Promise.all([
        config.run('config', async () => {
          configFetches++;
          await new Promise((resolve) => setTimeout(resolve, 20));
          return { model: 'small' };
        }),
        users.get(message.user),
      ]);
      probe(message.correlationId);
      return `${settings.model}:${user}`;
    },
    { type: 'run' },
  );
  const results = await Promise.all(Array.from({ length: RUNS }, (_, i) => handle({ correlationId: `run-${i}`, user: `u${i % 10}` })));
  expect(results[3]).toBe('small:user u3');
  expect(configFetches).toBeLessThan(RUNS / 10);
  expect(config.size).toBe(0);
  expect(users.shared.size).toBe(0);

  const spans = tracing.spans();
  assertSpansInTheirRuns(spans, { minProbes: RUNS });
  assertNoCrossRunSpans(spans, { oneTracePerRun: true });
  assertNoOrphans(spans);

  for (const [name, waits] of [['fetch config', 'wait fetch config'], ['load users', 'wait load users']] as const) {
    const sharedSpans = spans.filter((s) => s.name === name);
    const waitSpans = spans.filter((s) => s.name === waits);
    expect(sharedSpans.length).toBeGreaterThan(0);
    expect(waitSpans).toHaveLength(RUNS);
    const bySpanId = new Map(sharedSpans.map((s) => [s.spanContext().spanId, s]));
    const runSpanIds = new Set(spans.filter((s) => s.name === 'invoke_agent handle').map((s) => s.spanContext().spanId));
    for (const wait of waitSpans) {
      // In the run's own trace, under its run, linked to the one shared span it waited for.
      expect(runSpanIds.has(wait.parentSpanContext!.spanId)).toBe(true);
      const [sharedId] = linkedSpanIds(wait);
      const sharedSpan = bySpanId.get(sharedId!)!;
      expect(sharedSpan, 'wait span links a shared span').toBeDefined();
      // And the shared span links back to the waiting run.
      expect(linkedSpanIds(sharedSpan)).toContain(wait.parentSpanContext!.spanId);
    }
    for (const shared of sharedSpans) {
      expect(shared.parentSpanContext).toBeUndefined();
      expect(shared.attributes['agentrace.correlation_id']).toBeUndefined();
      expect(shared.links.length).toBe(shared.attributes['agentrace.shared.waiters']);
    }
  }
});

it('a failure of the shared work reaches every waiting run as the same error object, recorded on each wait span', async () => {
  const shared = createSharedWork('flaky lookup');
  const boom = new Error('upstream down');
  const handle = traced(
    'handle',
    (message: { correlationId: string }) =>
      shared.run('k', async () => {
        await tick();
        throw boom;
      }),
    { type: 'run' },
  );
  const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => handle({ correlationId: `f-${i}` })));
  for (const outcome of outcomes) expect(outcome).toEqual({ status: 'rejected', reason: boom });
  const waits = tracing.spans().filter((s) => s.name === 'wait flaky lookup');
  expect(waits).toHaveLength(10);
  for (const wait of waits) expect(wait.attributes['error.type']).toBe('Error');
  expect(tracing.spans().filter((s) => s.name === 'flaky lookup')).toHaveLength(1);
});
