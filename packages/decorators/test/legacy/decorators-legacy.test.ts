// Compiled with legacy experimentalDecorators (this folder's tsconfig.json sets the flag; vitest's
// esbuild transform and `tsc -p test/legacy` both pick it up).
import { SpanKind } from '@opentelemetry/api';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { agent, correlationId, run, step, tool } from '@agentrace/decorators';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isChildOf, spanNamed } from '../utils/spans.js';

let tracing: TestTracing;
beforeAll(() => {
  tracing = setupTracing();
});
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

const seen: unknown[][] = [];
function probe(...args: unknown[]): void {
  seen.push(args);
}

@agent({ name: 'profile-sync', id: 'agent-7' })
class ProfileSync {
  @((...a: unknown[]) => probe(...a)) marker(): void {}

  calls: string[] = [];

  @step() async fetchProfile(id: string): Promise<{ id: string }> {
    this.calls.push(`fetch:${id}`);
    return { id };
  }

  @tool({ name: 'crm_lookup', callId: (q: string) => `call-${q}` })
  async lookup(q: string): Promise<string> {
    return `crm:${q}:${correlationId()}`;
  }

  @step('normalize') normalize(s: string): string {
    return s.toUpperCase();
  }

  @run() async handle(msg: { id: string; correlationId?: string }): Promise<string> {
    const profile = await this.fetchProfile(msg.id);
    const found = await this.lookup(profile.id);
    return this.normalize(found);
  }

  @step() static helper(): string {
    return 'static';
  }
}

describe('legacy experimentalDecorators', () => {
  it('really are compiled as legacy decorators (decorator gets target, key, descriptor)', () => {
    expect(seen[0]).toHaveLength(3);
    expect(seen[0]![0]).toBe(ProfileSync.prototype);
    expect(seen[0]![1]).toBe('marker');
    expect(typeof (seen[0]![2] as PropertyDescriptor).value).toBe('function');
  });

  it('make the same spans as the standard decorators', async () => {
    const instance = new ProfileSync();
    const result = await instance.handle({ id: 'u1', correlationId: 'corr-1' });
    expect(result).toBe('CRM:U1:CORR-1');
    expect(instance.calls).toEqual(['fetch:u1']);

    const spans = tracing.spans();
    expect(spans.map((s) => s.name).sort()).toEqual(['execute_tool crm_lookup', 'fetchProfile', 'invoke_agent profile-sync', 'normalize']);
    const root = spanNamed(spans, 'invoke_agent profile-sync');
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'profile-sync',
      'gen_ai.agent.id': 'agent-7',
      'agentrace.correlation_id': 'corr-1',
    });
    expect(spanNamed(spans, 'execute_tool crm_lookup').attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'crm_lookup',
      'gen_ai.tool.call.id': 'call-u1',
    });
    for (const name of ['fetchProfile', 'normalize', 'execute_tool crm_lookup']) {
      const child = spanNamed(spans, name);
      expect(isChildOf(child, root)).toBe(true);
      expect(child.kind).toBe(SpanKind.INTERNAL);
      // Only GenAI operations carry gen_ai.*: the tool has gen_ai.agent.name, plain steps agentrace.agent.name.
      const genAi = name.startsWith('execute_tool');
      expect(child.attributes[genAi ? 'gen_ai.agent.name' : 'agentrace.agent.name']).toBe('profile-sync');
      if (!genAi) expect(Object.keys(child.attributes).filter((k) => k.startsWith('gen_ai.'))).toEqual([]);
      expect(child.attributes['agentrace.correlation_id']).toBe('corr-1');
    }
  });

  it('keep sync methods sync, static methods and method names', () => {
    expect(ProfileSync.helper()).toBe('static');
    expect(new ProfileSync().normalize('a')).toBe('A');
    expect(ProfileSync.prototype.fetchProfile.name).toBe('fetchProfile');
    expect(spanNamed(tracing.spans(), 'helper').attributes['agentrace.agent.name']).toBe('profile-sync');
  });

  it('handle every function shape the same way', async () => {
    class Shapes {
      @step() *gen(): Generator<number> {
        yield 1;
        yield 2;
      }
      @step() async *agen(): AsyncGenerator<number> {
        yield 3;
      }
      @step() stream(): ReadableStream<string> {
        return new ReadableStream({ pull: (c) => (c.enqueue('a'), c.close()) }, { highWaterMark: 0 });
      }
      @step() lazy(): PromiseLike<string> {
        return { then: (f?: ((v: string) => unknown) | null) => Promise.resolve('lazy').then(f) } as PromiseLike<string>;
      }
    }
    const s = new Shapes();
    expect([...s.gen()]).toEqual([1, 2]);
    for await (const v of s.agen()) expect(v).toBe(3);
    const reader = s.stream().getReader();
    expect((await reader.read()).value).toBe('a');
    expect((await reader.read()).done).toBe(true);
    expect(await s.lazy()).toBe('lazy');
    const spans = tracing.spans();
    expect(spanNamed(spans, 'gen').attributes['agentrace.stream.chunks']).toBe(2);
    expect(spanNamed(spans, 'agen').attributes['agentrace.stream.chunks']).toBe(1);
    expect(spanNamed(spans, 'stream').attributes['agentrace.stream.chunks']).toBe(1);
    expect(spanNamed(spans, 'lazy').ended).toBe(true);
  });

  it('keep behaviour: same thrown object and this', async () => {
    const boom = new Error('boom');
    class Failing {
      @step() fail(this: Failing): never {
        throw boom;
      }
      @step() async afail(): Promise<never> {
        throw boom;
      }
      @step() self(): this {
        return this;
      }
    }
    const f = new Failing();
    expect(() => f.fail()).toThrow(boom);
    await expect(f.afail()).rejects.toBe(boom);
    expect(f.self()).toBe(f);
    expect(tracing.spans().filter((s) => s.status.code === 2)).toHaveLength(2);
  });
});
