// Compiled with TC39 standard decorators (the package tsconfig has no experimentalDecorators).
import { SpanKind } from '@opentelemetry/api';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { agent, correlationId, run, step, tool } from '@agentrace/decorators';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isChildOf, spanNamed } from './utils/spans.js';

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

@agent({ name: 'profile-sync', id: 'agent-7', description: 'syncs profiles' })
class ProfileSync {
  @((...a: unknown[]) => probe(...a)) marker(): void {}

  calls: string[] = [];

  @step() async fetchProfile(id: string): Promise<{ id: string }> {
    this.calls.push(`fetch:${id}`);
    return { id };
  }

  @tool({ name: 'crm_lookup', description: 'looks a user up', callId: (q: string) => `call-${q}` })
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

describe('TC39 standard decorators', () => {
  it('really are compiled as standard decorators (decorator gets a context object)', () => {
    expect(seen[0]).toHaveLength(2);
    expect(seen[0]![1]).toMatchObject({ kind: 'method', name: 'marker' });
  });

  it('make one span per call, nested as the calls nest, with GenAI agent and tool attributes', async () => {
    const agentInstance = new ProfileSync();
    const result = await agentInstance.handle({ id: 'u1', correlationId: 'corr-1' });
    expect(result).toBe('CRM:U1:CORR-1');
    expect(agentInstance.calls).toEqual(['fetch:u1']);

    const spans = tracing.spans();
    expect(spans.map((s) => s.name).sort()).toEqual(['execute_tool crm_lookup', 'fetchProfile', 'invoke_agent profile-sync', 'normalize']);
    const root = spanNamed(spans, 'invoke_agent profile-sync');
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.kind).toBe(SpanKind.INTERNAL);
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'profile-sync',
      'gen_ai.agent.id': 'agent-7',
      'gen_ai.agent.description': 'syncs profiles',
      'agentrace.correlation_id': 'corr-1',
    });
    const toolSpan = spanNamed(spans, 'execute_tool crm_lookup');
    expect(toolSpan.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'crm_lookup',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.description': 'looks a user up',
      'gen_ai.tool.call.id': 'call-u1',
      'gen_ai.agent.name': 'profile-sync',
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

  it('decorate static methods and keep the method name', () => {
    expect(ProfileSync.helper()).toBe('static');
    expect(ProfileSync.prototype.fetchProfile.name).toBe('fetchProfile');
    expect(ProfileSync.prototype.fetchProfile.length).toBe(1);
    expect(spanNamed(tracing.spans(), 'helper').attributes['agentrace.agent.name']).toBe('profile-sync');
  });

  it('subclasses inherit the agent; a run without @agent is named after its class', async () => {
    class Special extends ProfileSync {}
    await new Special().handle({ id: 'x' });
    expect(tracing.spans().some((s) => s.name === 'invoke_agent profile-sync')).toBe(true);
    tracing.reset();

    class Plain {
      @run() go(): number {
        return 1;
      }
    }
    expect(new Plain().go()).toBe(1);
    expect(spanNamed(tracing.spans(), 'invoke_agent Plain').attributes['gen_ai.agent.name']).toBe('Plain');
  });

  it('private methods work', async () => {
    @agent('private-agent')
    class WithPrivate {
      @step() #secret(): number {
        return 42;
      }
      @run() go(): number {
        return this.#secret();
      }
    }
    expect(new WithPrivate().go()).toBe(42);
    const spans = tracing.spans();
    expect(isChildOf(spanNamed(spans, '#secret'), spanNamed(spans, 'invoke_agent private-agent'))).toBe(true);
  });
});
