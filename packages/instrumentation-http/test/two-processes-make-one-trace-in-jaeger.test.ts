// End to end with the real Jaeger: an agent process calls a traced node:http service process; both
// export over OTLP; Jaeger must return ONE trace holding both services with the right parent links.
import { fetchJaegerTraces, type JaegerSpan } from '@agentrace/core/jaeger';
import { otlpTracesEndpoint } from '@agentrace/testing';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it, vi } from 'vitest';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const packages = fileURLToPath(new URL('../../', import.meta.url));

it('agent -> service over HTTP is one trace with both services in Jaeger', async () => {
  const suffix = `${process.pid}-${Date.now()}`;
  const env = (serviceName: string) => ({
    ...process.env,
    OTEL_SERVICE_NAME: serviceName,
    AGENTRACE_TEST_OTLP_URL: otlpTracesEndpoint(),
    AGENTRACE_TRACER_ENTRY_ESM: `${packages}tracer/dist/esm/index.js`,
  });
  const agentService = `http-e2e-agent-${suffix}`;
  const calledService = `http-e2e-service-${suffix}`;

  const service = spawn(process.execPath, [`${fixtures}service-process.mjs`], { env: env(calledService), stdio: ['ignore', 'pipe', 'inherit'] });
  let traceId = '';
  try {
    const [line] = (await once(service.stdout!, 'data')) as [Buffer];
    const port = Number(/LISTENING (\d+)/.exec(String(line))![1]);
    const { stdout } = await promisify(execFile)(process.execPath, [`${fixtures}agent-process.mjs`], {
      env: { ...env(agentService), SERVICE_URL: `http://127.0.0.1:${port}` },
      timeout: 30_000,
    });
    traceId = (JSON.parse(stdout.trim().split('\n').at(-1)!) as { traceId: string }).traceId;
  } finally {
    service.kill('SIGTERM'); // flushes its spans, then exits
    await once(service, 'exit');
  }

  const trace = await vi.waitFor(
    async () => {
      const traces = await fetchJaegerTraces({ traceIds: [traceId] });
      expect(traces).toHaveLength(1);
      expect(traces[0]!.spans).toHaveLength(7); // run, 2 CLIENT, 2 SERVER, 2 handler spans
      return traces[0]!;
    },
    { timeout: 30_000, interval: 500 },
  );

  const serviceOf = (s: JaegerSpan) => trace.processes?.[s.processID!]?.serviceName;
  const tag = (s: JaegerSpan, key: string) => s.tags?.find((t) => t.key === key)?.value;
  const parentOf = (s: JaegerSpan) => s.references?.find((r) => r.refType === 'CHILD_OF');
  const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  expect(new Set(trace.spans.map(serviceOf))).toEqual(new Set([agentService, calledService]));

  const run = trace.spans.find((s) => s.operationName === 'agent-run')!;
  expect(parentOf(run)).toBeUndefined();
  const clients = trace.spans.filter((s) => tag(s, 'span.kind') === 'client');
  const servers = trace.spans.filter((s) => tag(s, 'span.kind') === 'server');
  expect(clients).toHaveLength(2);
  expect(servers).toHaveLength(2);
  for (const client of clients) {
    expect(serviceOf(client)).toBe(agentService);
    expect(parentOf(client)!.spanID).toBe(run.spanID);
  }
  for (const server of servers) {
    expect(serviceOf(server)).toBe(calledService);
    const parent = byId.get(parentOf(server)!.spanID)!;
    expect(tag(parent, 'span.kind')).toBe('client');
    expect(parentOf(server)!.traceID).toBe(traceId);
  }
  const handlers = trace.spans.filter((s) => s.operationName === 'handle-webhook');
  expect(handlers.map((h) => tag(byId.get(parentOf(h)!.spanID)!, 'span.kind'))).toEqual(['server', 'server']);
});
