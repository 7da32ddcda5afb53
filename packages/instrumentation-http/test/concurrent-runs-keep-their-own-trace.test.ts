import { instrumentHttp, type HttpInstrumentationHandle } from '@agentrace/instrumentation-http';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { context, SpanKind, trace } from '@opentelemetry/api';
import http from 'node:http';
import { Pool } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseTraceparent, startTestServer } from './utils/server.js';

const RUNS = 2000;

let tracing: TestTracing;
let handle: HttpInstrumentationHandle;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  tracing = setupTracing();
  handle = instrumentHttp();
  server = await startTestServer({
    // Answers after a random delay so responses come back out of order on the shared connections.
    '/run': (req, res) => {
      req.resume();
      setTimeout(() => res.end('ok'), Math.random() * 5);
    },
  });
});
afterAll(async () => {
  handle.disable();
  await server.close();
  await tracing.shutdown();
});

it(`${RUNS} concurrent runs over a shared keep-alive undici Pool, http.Agent and fetch dispatcher: each request is parented to its own run`, async () => {
  const pool = new Pool(server.origin, { connections: 16, pipelining: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const tracer = trace.getTracer('test');
  const runs = new Map<string, { traceId: string; spanId: string }>();

  await Promise.all(
    Array.from({ length: RUNS }, (_, i) =>
      tracer.startActiveSpan(`run-${i}`, async (run) => {
        runs.set(String(i), { traceId: run.spanContext().traceId, spanId: run.spanContext().spanId });
        await new Promise((r) => setTimeout(r, Math.random() * 3)); // interleave the runs
        const viaPool = await pool.request({ path: `/run?run=${i}&via=undici`, method: 'GET' });
        await viaPool.body.text();
        await (await fetch(`${server.origin}/run?run=${i}&via=fetch`)).text(); // the global keep-alive dispatcher
        await new Promise<void>((resolve, reject) => {
          http
            .get(`${server.origin}/run?run=${i}&via=http`, { agent }, (res) => {
              res.resume();
              res.on('end', resolve);
            })
            .on('error', reject);
        });
        expect(trace.getSpan(context.active())).toBe(run); // the run's context survived both calls
        run.end();
      }),
    ),
  );
  await pool.close();
  agent.destroy();

  const spans = tracing.spans();
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const seen = server.seen.filter((r) => r.url.startsWith('/run?'));
  expect(seen).toHaveLength(RUNS * 3);
  for (const request of seen) {
    const runId = new URL(request.url, server.origin).searchParams.get('run')!;
    const expected = runs.get(runId)!;
    const tp = parseTraceparent(request.headers.traceparent)!;
    expect(tp.traceId).toBe(expected.traceId);
    const clientSpan = byId.get(tp.spanId)!;
    expect(clientSpan.kind).toBe(SpanKind.CLIENT);
    expect(clientSpan.parentSpanContext?.spanId).toBe(expected.spanId);
  }
  // Each run's trace is exactly: run -> 3 CLIENT -> 1 SERVER each, nothing borrowed from another run.
  const byTrace = new Map<string, typeof spans>();
  for (const s of spans) byTrace.set(s.spanContext().traceId, [...(byTrace.get(s.spanContext().traceId) ?? []), s]);
  expect(byTrace.size).toBe(RUNS);
  for (const [, list] of byTrace) {
    expect(list.map((s) => s.kind).sort()).toEqual([SpanKind.INTERNAL, ...Array(3).fill(SpanKind.SERVER), ...Array(3).fill(SpanKind.CLIENT)].sort());
    for (const s of list.filter((x) => x.kind === SpanKind.SERVER)) {
      expect(byId.get(s.parentSpanContext!.spanId)!.kind).toBe(SpanKind.CLIENT);
    }
  }
});
