// 10,000 runs at once with random delays: each run's spans form exactly its own tree.
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { agent, correlationId, run, step, tool, traced } from '@agentrace/decorators';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let tracing: TestTracing;
beforeAll(() => {
  tracing = setupTracing();
});
afterAll(() => tracing.shutdown());

const RUNS = 10_000;
const delay = (): Promise<void> => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 4)));
const mismatches: string[] = [];

const format = traced('format', async (s: string) => {
  await delay();
  return s.toUpperCase();
});

@agent('worker')
class Worker {
  @run() async handle(msg: { id: number; correlationId: string }): Promise<string> {
    await delay();
    const [a, b] = await Promise.all([this.plan(msg.id), this.lookup(msg.id)]);
    if (correlationId() !== msg.correlationId) mismatches.push(msg.correlationId);
    return format(`${a}-${b}`);
  }

  @step() async plan(id: number): Promise<string> {
    await delay();
    return this.think(id);
  }

  @step() async think(id: number): Promise<string> {
    await delay();
    return `p${id}`;
  }

  @tool('lookup') async lookup(id: number): Promise<string> {
    await delay();
    if (correlationId() === undefined) mismatches.push(`tool ${id}`);
    return `l${id}`;
  }
}

describe('concurrent runs', () => {
  it(`${RUNS} concurrent runs each form exactly their own tree with their own correlation id`, async () => {
    const worker = new Worker();
    const results = await Promise.all(
      Array.from({ length: RUNS }, (_, id) => worker.handle({ id, correlationId: `run-${id}` })),
    );
    expect(results[7]).toBe('P7-L7');
    expect(mismatches).toEqual([]);

    const spans = tracing.spans();
    expect(spans).toHaveLength(RUNS * 5);
    const byRun = new Map<string, ReadableSpan[]>();
    for (const s of spans) {
      const id = s.attributes['agentrace.correlation_id'];
      expect(typeof id).toBe('string');
      const list = byRun.get(id as string) ?? [];
      list.push(s);
      byRun.set(id as string, list);
    }
    expect(byRun.size).toBe(RUNS);
    const traceIds = new Set<string>();
    for (const [id, list] of byRun) {
      const names = list.map((s) => s.name).sort();
      expect(names).toEqual(['execute_tool lookup', 'format', 'invoke_agent worker', 'plan', 'think']);
      const root = list.find((s) => s.name === 'invoke_agent worker')!;
      const traceId = root.spanContext().traceId;
      expect(root.parentSpanContext).toBeUndefined();
      expect(traceIds.has(traceId)).toBe(false);
      traceIds.add(traceId);
      const byName = new Map(list.map((s) => [s.name, s] as const));
      const parentName = (s: ReadableSpan): string | undefined =>
        list.find((p) => p.spanContext().spanId === s.parentSpanContext?.spanId)?.name;
      for (const s of list) expect(s.spanContext().traceId, id).toBe(traceId);
      expect(parentName(byName.get('plan')!)).toBe('invoke_agent worker');
      expect(parentName(byName.get('think')!)).toBe('plan');
      expect(parentName(byName.get('execute_tool lookup')!)).toBe('invoke_agent worker');
      expect(parentName(byName.get('format')!)).toBe('invoke_agent worker');
    }
  });
});
