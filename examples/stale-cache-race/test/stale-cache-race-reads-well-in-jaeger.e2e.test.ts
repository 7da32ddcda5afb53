import { fileURLToPath } from 'node:url';
import { jaegerQueryUrl, otlpTracesEndpoint, readabilityProblems, runExample, tracesBehindLink } from '@agentrace/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));
const env = (guard: boolean) => ({
  OTEL_SERVICE_NAME: `stale-cache-race-e2e-${guard ? 'guard' : 'plain'}-${process.pid}`,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpTracesEndpoint(),
  AGENTRACE_JAEGER_UI: jaegerQueryUrl(),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  RACE_UPDATES: '6',
  RACE_CONCURRENCY: '3',
});

describe('stale-cache race, as a person reads it in Jaeger', () => {
  it('without the guard: every run has working links, and the steps that overwrote an unseen update say so', async () => {
    const run = await runExample(dir, { env: env(false) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.links.traces).toHaveLength(12);
    expect(run.links.searches).toHaveLength(12);
    const [first] = await tracesBehindLink(run.links.searches[0]!);
    expect(first!.traceID.padStart(32, '0')).toBe(run.traces[0]!.traceId);
    const spans = run.traces.flatMap((t) => t.spans);
    expect(readabilityProblems(spans)).toEqual([]);
    // The lost updates the report printed are visible on the write steps, in the traces themselves.
    const reported = Number(/(\d+) lost updates? found/.exec(run.stdout)?.[1] ?? 0);
    expect(reported).toBeGreaterThan(0);
    const marked = spans.filter((s) => s.name === 'write profile' && s.attributes['state.lost_update'] === true);
    expect(marked.length).toBeGreaterThan(0);
    for (const s of marked) {
      const write = s.events.find((e) => e.name === 'state.write')!;
      expect(write.attributes['state.replaced_version']).not.toBe(write.attributes['state.based_on']);
    }
  });

  it('with the guard: each caught race marks its write step red with state.stale_write, and the run still succeeds', async () => {
    const run = await runExample(dir, { env: env(true), args: ['--guard'] });
    expect(run.code, run.stderr).toBe(0);
    const spans = run.traces.flatMap((t) => t.spans);
    expect(readabilityProblems(spans)).toEqual([]);
    const stale = spans.filter((s) => s.attributes['state.stale_write'] === true);
    expect(stale.length).toBeGreaterThan(0);
    for (const s of stale) {
      expect(s.name).toBe('write profile');
      expect(s.attributes['state.stale_write.attempt']).toBe(1);
      // Red where the guard threw; a race the store's compare-and-set refused is recorded with 'skip'.
      const action = s.events.find((e) => e.name === 'state.stale_write')?.attributes['state.stale_write.action'];
      expect(s.status.code, String(action)).toBe(action === 'throw' ? SpanStatusCode.ERROR : SpanStatusCode.UNSET);
    }
    expect(stale.some((s) => s.status.code === SpanStatusCode.ERROR)).toBe(true);
    expect(spans.filter((s) => s.parentSpanContext === undefined && s.status.code === SpanStatusCode.ERROR)).toEqual([]);
    expect(spans.some((s) => s.attributes['state.lost_update'] === true)).toBe(false);
  });
});
