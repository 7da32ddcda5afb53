import { fileURLToPath } from 'node:url';
import { jaegerQueryUrl, otlpTracesEndpoint, readabilityProblems, runExample, tracesBehindLink } from '@agentrace/testing';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

describe('stress race, as a person reads it in Jaeger', () => {
  it('links the two runs of the lost update it proved; the overwriting write step says it', async () => {
    const run = await runExample(dir, {
      env: {
        OTEL_SERVICE_NAME: `stress-race-e2e-${process.pid}`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpTracesEndpoint(),
        AGENTRACE_JAEGER_UI: jaegerQueryUrl(),
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        STRESS_SEED: '7',
        STRESS_SPREAD_MS: '0',
        STRESS_THINK_MS: '3',
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('The analysis proved a lost update');
    expect(run.links.traces).toHaveLength(2);
    for (const [i, search] of run.links.searches.entries()) {
      expect((await tracesBehindLink(search)).map((t) => t.traceID.padStart(32, '0'))).toEqual([run.traces[i]!.traceId]);
    }
    const [lost, overwriting] = run.traces;
    expect(readabilityProblems([...lost!.spans, ...overwriting!.spans])).toEqual([]);
    expect(overwriting!.spans.some((s) => s.name === 'write profile' && s.attributes['state.lost_update'] === true)).toBe(true);
  });
});
