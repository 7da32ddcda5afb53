import { fileURLToPath } from 'node:url';
import { jaegerQueryUrl, otlpTracesEndpoint, readabilityProblems, runExample, tracesBehindLink } from '@agentrace/testing';
import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

describe('model agent, as a person reads it in Jaeger', () => {
  it('links each question to its trace: model calls as GenAI spans, the tool runs they asked for, nothing else marked GenAI', async () => {
    const run = await runExample(dir, {
      env: { OTEL_SERVICE_NAME: `model-agent-e2e-${process.pid}`, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpTracesEndpoint(), AGENTRACE_JAEGER_UI: jaegerQueryUrl() },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.links.traces).toHaveLength(3);
    // One search per question, then one for all runs of the service.
    expect(run.links.searches).toHaveLength(4);
    for (const [i, trace] of run.traces.entries()) {
      expect((await tracesBehindLink(run.links.searches[i]!)).map((t) => t.traceID.padStart(32, '0'))).toEqual([trace.traceId]);
    }
    const spans = run.traces.flatMap((t) => t.spans);
    expect(readabilityProblems(spans)).toEqual([]);
    for (const { spans: inTrace } of run.traces) {
      const calls = inTrace.filter((s) => s.kind === SpanKind.CLIENT && s.attributes['gen_ai.operation.name'] === 'chat');
      expect(calls.length).toBeGreaterThan(0);
      const asked = new Set(calls.flatMap((s) => (s.attributes['agentrace.gen_ai.tool_call.ids'] as string[] | undefined) ?? []));
      const tools = inTrace.filter((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool');
      expect(tools.length).toBeGreaterThan(0);
      // Each tool run names the model answer's tool call that caused it.
      for (const tool of tools) expect(asked.has(String(tool.attributes['gen_ai.tool.call.id']))).toBe(true);
    }
  });
});
