// What isolation the kit promises, under concurrency:
// - per test file: vitest runs each file in its own process/module graph, so its own provider;
// - per sequential test: the vitest entry resets before each test;
// - per run (concurrent tests, or many runs in one test): queries by correlation id or trace id.
import { agent, run, step, tool } from '@agentrace/decorators';
import { getRunTree, spansOfRun, type TraceShape } from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { describe, expect, it } from 'vitest';

const tracing = useTracing();

/** A timer of 0–2 ms, so concurrent runs interleave differently every time. */
const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));

@agent('support-worker')
class SupportWorker {
  @step() async fetchTicket(id: string): Promise<string> {
    await jitter();
    return `ticket ${id}`;
  }

  @tool({ name: 'search_docs' }) async search(query: string): Promise<string[]> {
    // Two lookups in parallel: siblings whose start order is down to the scheduler.
    const [a, b] = await Promise.all([this.lookup(`${query}/a`), this.lookup(`${query}/b`)]);
    return [a, b];
  }

  @step() async lookup(key: string): Promise<string> {
    await jitter();
    return key;
  }

  @step() async reply(text: string): Promise<number> {
    await jitter();
    return text.length;
  }

  @run() async handle(message: { id: string; correlationId: string }): Promise<number> {
    const ticket = await this.fetchTicket(message.id);
    const docs = await this.search(ticket);
    return this.reply(docs.join());
  }
}

const worker = new SupportWorker();

function runShape(correlationId: string): TraceShape {
  return {
    name: 'invoke_agent support-worker',
    attributes: { 'agentrace.correlation_id': correlationId },
    children: ['fetchTicket', ['execute_tool search_docs', ['lookup', 'lookup']], 'reply'],
  };
}

describe('many runs at once in one test', () => {
  it('each run forms exactly its own tree, and no span crosses runs', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `run-${i}`);
    await Promise.all(ids.map((id) => worker.handle({ id, correlationId: id })));

    expect(tracing.traces()).toHaveLength(100);
    for (const id of ids) {
      const tree = getRunTree(tracing, id);
      expect(tree).toHaveTraceShape(runShape(id), { ordered: false });
      // Every span of the run carries its id, down to the parallel lookups.
      expect(spansOfRun(tracing, id).every((span) => span.attributes['agentrace.correlation_id'] === id)).toBe(true);
    }
    expect(tracing).toHaveNoCrossRunSpans({ oneTracePerRun: true });
    expect(tracing).toHaveNoOrphanSpans();
    expect(tracing).toHaveEndedAllSpans();
  });
});

describe.concurrent('concurrent tests in one file share the spans; each asserts its own runs', () => {
  for (let t = 0; t < 8; t++) {
    it(`test ${t}`, async () => {
      const ids = Array.from({ length: 10 }, (_, i) => `test-${t}-run-${i}`);
      await Promise.all(ids.map((id) => worker.handle({ id, correlationId: id })));
      for (const id of ids) expect(getRunTree(tracing, id)).toHaveTraceShape(runShape(id));
    });
  }
});

describe('sequential tests after them', () => {
  it('start from a clean slate (auto reset), so whole-buffer assertions are safe', async () => {
    expect(tracing.spans()).toEqual([]);
    await worker.handle({ id: 'alone', correlationId: 'alone' });
    expect(tracing).toHaveTraceShape(runShape('alone'));
  });
});
