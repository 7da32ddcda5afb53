import { fileURLToPath } from 'node:url';
import { jaegerQueryUrl, otlpTracesEndpoint, readabilityProblems, runExample, tracesBehindLink } from '@agentrace/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

describe('message worker, as a person reads it in Jaeger', () => {
  it('prints a working trace link and search per message; the poison message fails once, in its process step', async () => {
    const run = await runExample(dir, {
      env: { OTEL_SERVICE_NAME: `message-worker-e2e-${process.pid}`, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpTracesEndpoint(), AGENTRACE_JAEGER_UI: jaegerQueryUrl() },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.links.traces).toHaveLength(8);
    expect(run.links.searches).toHaveLength(8);
    for (const [i, search] of run.links.searches.entries()) {
      const found = await tracesBehindLink(search);
      expect(found.map((t) => t.traceID.padStart(32, '0'))).toEqual([run.traces[i]!.traceId]);
    }
    expect(readabilityProblems(run.traces.flatMap((t) => t.spans))).toEqual([]);
    const failed = run.traces.filter((t) => t.spans.some((s) => s.parentSpanContext === undefined && s.status.code === SpanStatusCode.ERROR));
    expect(failed).toHaveLength(1);
    const exceptions = failed[0]!.spans.filter((s) => s.events.some((e) => e.name === 'exception'));
    expect(exceptions.map((s) => s.name)).toEqual(['process']);
  });
});
