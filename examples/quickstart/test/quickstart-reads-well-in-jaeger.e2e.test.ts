import { fileURLToPath } from 'node:url';
import { jaegerQueryUrl, readabilityProblems, runExample, tracesBehindLink } from '@agentrace/testing';
import { otlpTracesEndpoint } from '@agentrace/testing';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));
const service = `quickstart-e2e-${process.pid}`;

describe('quickstart, as a person reads it in Jaeger', () => {
  it('prints a working trace link and correlation-id search per run; the traces nest, fail once, and show the captured tool call', async () => {
    const run = await runExample(dir, {
      env: { OTEL_SERVICE_NAME: service, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpTracesEndpoint(), AGENTRACE_JAEGER_UI: jaegerQueryUrl() },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.links.traces).toHaveLength(3);
    expect(run.links.searches).toHaveLength(3);
    // Each search link finds exactly the run printed with it.
    for (const [i, search] of run.links.searches.entries()) {
      const found = await tracesBehindLink(search);
      expect(found.map((t) => t.traceID.padStart(32, '0'))).toEqual([run.traces[i]!.traceId]);
    }
    const spans = run.traces.flatMap((t) => t.spans);
    expect(readabilityProblems(spans)).toEqual([]);

    const failed = run.traces.filter((t) => t.spans.some((s) => s.status.code === 2 && s.parentSpanContext === undefined));
    expect(failed).toHaveLength(1);
    expect(failed[0]!.spans.flatMap((s) => s.events.filter((e) => e.name === 'exception'))).toHaveLength(1);
    const root = failed[0]!.spans.find((s) => s.parentSpanContext === undefined)!;
    expect(root.status.message).toMatch(/^"execute_tool crm_lookup" failed: CRM answered 404/);

    const lookups = spans.filter((s) => s.name === 'execute_tool crm_lookup' && s.status.code !== 2);
    expect(lookups).toHaveLength(2);
    for (const lookup of lookups) {
      expect(String(lookup.attributes['gen_ai.tool.call.arguments'])).toContain('customerId');
      expect(String(lookup.attributes['gen_ai.tool.call.result'])).toContain('plan');
    }
    // Unique correlation ids per run of the example, and the resource says which process made them.
    // (The CRM's SERVER span is an untrusted caller's side: it records the id as agentrace.caller.*.)
    const ids = new Set(spans.map((s) => s.attributes['agentrace.correlation_id']).filter((id) => id !== undefined));
    expect([...ids].every((id) => /^msg-[0-9a-f]{6}-\d$/.test(String(id)))).toBe(true);
    expect(spans[0]!.resource.attributes['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(spans[0]!.resource.attributes['telemetry.distro.name']).toBe('agentrace');
  });
});
