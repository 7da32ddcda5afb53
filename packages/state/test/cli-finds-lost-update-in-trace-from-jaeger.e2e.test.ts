import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { context, trace } from '@opentelemetry/api';
import { jaegerQueryUrl, otlpTracesEndpoint, setupTracing } from '@agentrace/testing';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJaegerTraces, findLostUpdates, trackRead, trackWrite } from '@agentrace/state';
import { runLostUpdatesCli } from '../src/lost-updates-cli.js';
import { VersionedDb } from './utils/race.js';
import { inSpan, tracer } from './utils/spans.js';

const service = `state-lost-updates-e2e-${process.pid}-${Date.now()}`;
const tracing = setupTracing({
  serviceName: service,
  autoReset: false,
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesEndpoint() }))],
});
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

let raceTraceIds: string[] = [];
let batchTraceId = '';
let cleanTraceId = '';
const SPANS = 13;

/** One update run of the stale-cache race: read in one step, write in the next. */
function startRun(correlationId: string) {
  return tracer.startSpan(`update profile ${correlationId}`, { root: true, attributes: { 'agentrace.correlation_id': correlationId } });
}

async function waitForSpans(expected: number): Promise<void> {
  for (let delay = 100; delay < 8000; delay *= 1.5) {
    const traces = await fetchJaegerTraces({ service, limit: 50 });
    if (traces.reduce((n, t) => n + t.spans.length, 0) >= expected) return;
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new Error(`Jaeger at ${jaegerQueryUrl()} did not get the ${expected} spans of service ${service}`);
}

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), env: { AGENTRACE_JAEGER_QUERY_URL: jaegerQueryUrl() } },
  };
}

beforeAll(async () => {
  const db = new VersionedDb();

  // Two runs, two traces: A and B both read profile:7 at version 0; A writes 1, then B writes 2 based on 0.
  const runA = startRun('run-A');
  const runB = startRun('run-B');
  const inRun = <T>(run: ReturnType<typeof startRun>, name: string, fn: () => T) => context.with(trace.setSpan(context.active(), run), () => inSpan(name, fn));
  const readA = inRun(runA, 'read cache', () => { const r = db.read('profile:7'); trackRead('profile:7', r.version); return r; });
  const readB = inRun(runB, 'read cache', () => { const r = db.read('profile:7'); trackRead('profile:7', r.version); return r; });
  inRun(runA, 'write cache', () => trackWrite('profile:7', { basedOn: readA.version, version: db.write('profile:7', readA.value + 1, readA.version, 'run-A') }));
  inRun(runB, 'write cache', () => trackWrite('profile:7', { basedOn: readB.version, version: db.write('profile:7', readB.value + 1, readB.version, 'run-B') }));
  runA.end();
  runB.end();
  raceTraceIds = [runA.spanContext().traceId, runB.spanContext().traceId];

  // One batch trace whose two child runs race on another key (trace-id mode sees both).
  await tracer.startActiveSpan('nightly batch', { root: true }, async (batch) => {
    batchTraceId = batch.spanContext().traceId;
    const reads = ['run-C', 'run-D'].map((id) =>
      inSpan(`update ${id}`, (s) => { s.setAttribute('agentrace.correlation_id', id); const r = db.read('profile:8'); trackRead('profile:8', r.version); return r; }),
    );
    inSpan('save run-C', (s) => { s.setAttribute('agentrace.correlation_id', 'run-C'); trackWrite('profile:8', { basedOn: reads[0]!.version, version: db.write('profile:8', 1, reads[0]!.version, 'run-C') }); });
    inSpan('save run-D', (s) => { s.setAttribute('agentrace.correlation_id', 'run-D'); trackWrite('profile:8', { basedOn: reads[1]!.version, version: db.write('profile:8', 1, reads[1]!.version, 'run-D') }); });
    batch.end();
  });

  // A clean run: read, write on the latest version.
  const clean = startRun('run-E');
  cleanTraceId = clean.spanContext().traceId;
  inRun(clean, 'update', () => { trackRead('profile:9', 0); trackWrite('profile:9', { basedOn: 0, version: db.write('profile:9', 1, 0, 'run-E') }); });
  clean.end();

  expect(db.log.filter((w) => w.overwrote.length > 0).map((w) => w.writer)).toEqual(['run-B', 'run-D']);
  await tracing.provider.forceFlush();
  await waitForSpans(SPANS);
}, 60_000);

afterAll(() => tracing.shutdown());

describe('lost-update analysis of traces read back from the real Jaeger', () => {
  it('finds the lost update across the two runs of the service, names both runs, and exits 1', async () => {
    const { out, io } = capture();
    const code = await runLostUpdatesCli(['--service', service, '--limit', '20'], io);
    expect(out.stderr).toBe('');
    expect(code).toBe(1);
    expect(out.stdout).toMatch(new RegExp(`Analysed 4 traces: ${SPANS} spans, 5 tracked writes`));
    expect(out.stdout).toContain('Lost update on key "profile:7": version 1 was overwritten by a write based on version 0.');
    expect(out.stdout).toMatch(/lost: +run run-A: span "write cache" in state-lost-updates-e2e-\S+ \(trace ([0-9a-f]{32})/);
    expect(out.stdout).toMatch(/overwriter: run run-B: span "write cache" .* wrote version 2 based on version 0/);
    expect(out.stdout).toContain('Lost update on key "profile:8"');
    expect(out.stdout).toContain('2 lost updates found.');
    for (const id of raceTraceIds) expect(out.stdout).toContain(id);
  });

  it('analyses one trace by id: finds the batch\'s lost update, and none in a clean trace (exit 0)', async () => {
    const batch = capture();
    expect(await runLostUpdatesCli([batchTraceId], batch.io)).toBe(1);
    expect(batch.out.stdout).toMatch(/run run-D: span "save run-D" .* wrote version 2 based on version 0/);
    expect(batch.out.stdout).toContain('1 lost update found.');

    const json = capture();
    expect(await runLostUpdatesCli(['--json', batchTraceId], json.io)).toBe(1);
    expect(JSON.parse(json.out.stdout)).toMatchObject({
      traces: 1,
      spans: 5,
      writes: 2,
      blindWrites: 0,
      lostUpdates: [{ key: 'profile:8', orderedBy: 'versions', lost: { correlationId: 'run-C', version: 1 }, overwriting: { correlationId: 'run-D', basedOn: 0, version: 2 } }],
    });

    const clean = capture();
    expect(await runLostUpdatesCli([cleanTraceId], clean.io)).toBe(0);
    expect(clean.out.stdout).toContain('No lost updates found.');
  });

  it('gives findLostUpdates the same answer from Jaeger JSON as from the in-memory spans', async () => {
    const fromJaeger = findLostUpdates(await fetchJaegerTraces({ service, limit: 20 }));
    const inMemory = findLostUpdates(tracing.spans());
    const view = (u: (typeof fromJaeger)[number]) => [u.key, u.overwriting.spanId, u.overwriting.correlationId, u.lost.spanId, u.lost.correlationId, u.lost.version, u.overwriting.basedOn];
    expect(fromJaeger.map(view).sort()).toEqual(inMemory.map(view).sort());
    expect(fromJaeger).toHaveLength(2);
  });

  it('runs as the agentrace-lost-updates command (exit code 1 and the report on stdout)', async () => {
    const run = promisify(execFile);
    const result = await run('pnpm', ['exec', 'tsx', '--tsconfig', 'tsconfig.test.json', 'packages/state/src/cli.ts', ...raceTraceIds], {
      cwd: repoRoot,
      env: { ...process.env, AGENTRACE_JAEGER_QUERY_URL: jaegerQueryUrl() },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Lost update on key "profile:7"');
    expect(result.stdout).toContain('1 lost update found.');
  });

  it('--annotate writes the finding into both traces it names, under the two writes, read back from Jaeger', async () => {
    const run = promisify(execFile);
    const result = await run('pnpm', ['exec', 'tsx', '--tsconfig', 'tsconfig.test.json', 'packages/state/src/cli.ts', '--annotate', ...raceTraceIds], {
      cwd: repoRoot,
      env: { ...process.env, AGENTRACE_JAEGER_QUERY_URL: jaegerQueryUrl(), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpTracesEndpoint() },
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('Annotated the traces: 2 spans exported');
    const [lost, overwrote] = await (async () => {
      for (let delay = 100; delay < 8000; delay *= 1.5) {
        const traces = await fetchJaegerTraces({ traceIds: raceTraceIds });
        const spans = traces.flatMap((t) => t.spans);
        const found = ['lost', 'overwrote'].map((role) => spans.find((s) => s.tags?.some((t) => t.key === 'state.lost_update.role' && t.value === role)));
        if (found.every(Boolean)) return found;
        await new Promise((r) => setTimeout(r, delay));
      }
      throw new Error('the annotation spans did not reach Jaeger');
    })();
    // Each under the write it is about: run-A's lost write, run-B's overwriting one.
    expect(lost!.traceID.padStart(32, '0')).toBe(raceTraceIds[0]);
    expect(overwrote!.traceID.padStart(32, '0')).toBe(raceTraceIds[1]);
    expect(overwrote!.operationName).toBe('lost update: overwrote profile:7 v1');
    expect(overwrote!.tags?.find((t) => t.key === 'state.lost_update.other_run')?.value).toBe('run-A');
  });

  it('exits 2 with a clear message when Jaeger cannot be reached or usage is wrong', async () => {
    const down = capture();
    expect(await runLostUpdatesCli(['--url', 'http://127.0.0.1:9', 'abc'], down.io)).toBe(2);
    expect(down.out.stderr).toMatch(/Could not reach Jaeger's query API at http:\/\/127\.0\.0\.1:9\/.*Check that Jaeger is running/);
    const usage = capture();
    expect(await runLostUpdatesCli([], usage.io)).toBe(2);
    expect(usage.out.stderr).toContain('Usage: agentrace-lost-updates');
  });
});
