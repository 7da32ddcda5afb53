// End to end: one decorated agent run, exported over OTLP/HTTP to the real Jaeger, is one trace with
// the expected tree, GenAI attributes and the correlation id on every span.
import { otlpTracesEndpoint, setupTracing, waitForTrace, type TestTracing, type TraceTreeNode } from '@agentrace/testing';
import { agent, run, step, tool } from '@agentrace/decorators';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const service = `decorators-e2e-${process.pid}-${Date.now()}`;
let tracing: TestTracing;

beforeAll(() => {
  tracing = setupTracing({
    serviceName: service,
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: otlpTracesEndpoint() }))],
  });
});
afterAll(async () => {
  await tracing.shutdown();
});

@agent({ name: 'profile-sync', id: 'ps-1' })
class ProfileSync {
  @run({ conversationId: (msg: { conversation: string }) => msg.conversation })
  async handle(msg: { userId: string; conversation: string; correlationId: string }): Promise<string> {
    const profile = await this.fetchProfile(msg.userId);
    return this.lookup(profile);
  }

  @step() async fetchProfile(id: string): Promise<string> {
    await new Promise((r) => setTimeout(r, 5));
    return `profile:${id}`;
  }

  @tool({ name: 'crm_lookup', callId: () => 'call-1' }) async lookup(q: string): Promise<string> {
    return `crm(${q})`;
  }
}

function walk(node: TraceTreeNode, out: TraceTreeNode[] = []): TraceTreeNode[] {
  out.push(node);
  for (const child of node.children) walk(child, out);
  return out;
}

describe('export to Jaeger', () => {
  it('one run appears as one trace with the expected tree and attributes', async () => {
    const correlation = `e2e-${Date.now()}`;
    const result = await new ProfileSync().handle({ userId: 'u1', conversation: 'conv-9', correlationId: correlation });
    expect(result).toBe('crm(profile:u1)');
    await tracing.provider.forceFlush();

    const tree = await waitForTrace({ service, root: 'invoke_agent profile-sync', minSpans: 3, timeoutMs: 60_000 });
    expect(tree.roots).toHaveLength(1);
    const root = tree.roots[0]!;
    expect(root.name).toBe('invoke_agent profile-sync');
    expect(root.children.map((c) => c.name).sort()).toEqual(['execute_tool crm_lookup', 'fetchProfile']);
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'profile-sync',
      'gen_ai.agent.id': 'ps-1',
      'gen_ai.conversation.id': 'conv-9',
    });
    const toolNode = root.children.find((c) => c.name === 'execute_tool crm_lookup')!;
    expect(toolNode.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'crm_lookup',
      'gen_ai.tool.call.id': 'call-1',
      'gen_ai.agent.name': 'profile-sync',
    });
    // A plain step is no GenAI operation: the agent's name and the conversation id under agentrace.* names.
    const stepNode = root.children.find((c) => c.name === 'fetchProfile')!;
    expect(stepNode.attributes).toMatchObject({ 'agentrace.agent.name': 'profile-sync', 'agentrace.conversation.id': 'conv-9' });
    expect(Object.keys(stepNode.attributes).filter((k) => k.startsWith('gen_ai.'))).toEqual([]);
    const all = walk(root);
    expect(all).toHaveLength(3);
    for (const node of all) {
      expect(node.attributes['agentrace.correlation_id']).toBe(correlation);
      expect(node.serviceName).toBe(service);
    }
  });
});
