// Issue 20, persistence: a Jaeger of the test's own, started as scripts/services.mjs starts it with
// AGENTRACE_JAEGER_CONFIG=badger (scripts/jaeger-config.yaml + scripts/jaeger/badger.yaml, on ports of
// its own), receives traces from the real init(); it is shut down and started again on the same data
// directory, and the same traces, span for span, are read back.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { fetchJaegerTraces, jaegerTraceToTree } from '@agentrace/core/jaeger';
import { printTraces, traceTreeNodes, type TraceTree } from '@agentrace/testing';
import { init } from '@agentrace/tracer';
import { afterAll, describe, expect, it } from 'vitest';
import { ownJaeger } from '../src/own-jaeger.js';

const TRACES = 20;

/** Every span of the traces, with what Jaeger stored of it, in a fixed order (siblings started in the same µs may print in either order). */
function stored(trees: readonly TraceTree[]): unknown[] {
  return traceTreeNodes(trees)
    .map(({ children: _children, ...span }) => span)
    .sort((a, b) => (a.traceId + a.spanId).localeCompare(b.traceId + b.spanId));
}
const SPANS_PER_TRACE = 3;

async function readBack(queryUrl: string, traceIds: string[]): Promise<TraceTree[]> {
  for (let attempt = 0; ; attempt++) {
    const trees = (await fetchJaegerTraces({ baseUrl: queryUrl, traceIds })).map(jaegerTraceToTree).sort((a, b) => a.traceId.localeCompare(b.traceId));
    const spans = trees.reduce((n, t) => n + traceTreeNodes(t).length, 0);
    if ((trees.length === traceIds.length && spans === traceIds.length * SPANS_PER_TRACE) || attempt >= 60) return trees;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'agentrace-badger-'));
const jaeger = ownJaeger(36_000, { overlays: ['badger'], dataDir });
afterAll(async () => {
  await jaeger.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Jaeger with Badger storage', () => {
  it('reads back the same traces after a restart', async () => {
    await jaeger.start();
    const service = `badger-restart-${process.pid}-${randomBytes(3).toString('hex')}`;
    const handle = init({ serviceName: service, endpoint: jaeger.endpoint, handleExit: false, http: false, queues: false, batch: { scheduledDelayMillis: 100 } });
    const tracer = trace.getTracer('badger-test');
    const traceIds: string[] = [];
    for (let i = 0; i < TRACES; i++) {
      tracer.startActiveSpan(`run ${i}`, { attributes: { 'agentrace.correlation_id': `run-${i}` } }, (root) => {
        traceIds.push(root.spanContext().traceId);
        for (const name of ['plan', 'act']) {
          tracer.startActiveSpan(name, (step) => {
            if (i % 5 === 0 && name === 'act') step.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
            step.addEvent('note', { index: i });
            step.end();
          });
        }
        root.end();
      });
    }
    await handle.forceFlush();
    expect(handle.stats().exported).toBe(TRACES * SPANS_PER_TRACE);
    await handle.shutdown();

    const before = await readBack(jaeger.queryUrl, traceIds);
    expect(before).toHaveLength(TRACES);
    const printedBefore = printTraces(before, { durations: false, attributes: 'all' });

    await jaeger.stop({ graceful: true });
    await jaeger.start();
    const after = await readBack(jaeger.queryUrl, traceIds);
    expect(after.map((t) => t.traceId).sort()).toEqual([...traceIds].sort());
    expect(stored(after)).toEqual(stored(before));
    // Not an accident of ids: the failing steps and the run ids came back too.
    expect(printedBefore).toContain('tool failed');
    expect(printedBefore).toContain('run 19');
  });
});
