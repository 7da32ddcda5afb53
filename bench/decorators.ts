// Per-call overhead of @agentrace/decorators against a hand-written OTel wrapper, an undecorated call,
// traceloop's `withTask` and langfuse's `observe`, all in one process over one shared provider with a
// no-op exporter. Run from the repository root:
//   pnpm exec tsx --tsconfig tsconfig.test.json bench/decorators.ts
// (the tsconfig maps @agentrace/* to the sources, so no build is needed). Results: bench/results/decorators.md.
import os from 'node:os';
import { installGlobals } from '@agentrace/tracer';
import { step, traced } from '@agentrace/decorators';
import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, type Sampler } from '@opentelemetry/sdk-trace-base';
import * as traceloop from '@traceloop/node-server-sdk';
import { observe } from '@langfuse/tracing';
import { NoopExporter } from './noop-exporter.js';
import { median, rotated } from './stats.js';

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 150);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

// The exporter every wrapper shares.
const exporter = new NoopExporter();

// traceloop: no network (no API key, sync off), content capture off like ours by default, and its own
// NodeSDK not started (`tracingEnabled: false`) so `withTask` uses the same global provider as the rest.
traceloop.initialize({
  appName: 'agentrace-bench',
  baseUrl: 'http://127.0.0.1:9',
  exporter,
  traceloopSyncEnabled: false,
  tracingEnabled: false,
  traceContent: false,
  silenceInitializationMessage: true,
});

// ---- the functions under test: the same async body each time ----------------------------------------

async function work(x: number): Promise<number> {
  return x + 1;
}

class Undecorated {
  async work(x: number): Promise<number> {
    return x + 1;
  }
}

class Decorated {
  @step()
  async work(x: number): Promise<number> {
    return x + 1;
  }
}

/** What a careful engineer writes by hand with the OTel API. */
function handWritten(name: string, fn: (x: number) => Promise<number>): (x: number) => Promise<number> {
  return (x) =>
    trace.getTracer('bench').startActiveSpan(name, async (span: Span) => {
      try {
        return await fn(x);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
}

const undecorated = new Undecorated();
const decorated = new Decorated();
const tracedWork = traced('work', work);
const handWork = handWritten('work', work);
const langfuseWork = observe(work, { name: 'work', captureInput: false, captureOutput: false });
// `withTask(config, fn, ...args)` passes the arguments through, so traceloop sees (and may capture) them.
const traceloopWork = (x: number) => traceloop.withTask({ name: 'work' }, work, x);

// Capture on: the same call with a small and a large argument.
interface Payload {
  query: string;
  rows?: { id: number; name: string; tags: string[] }[];
}
async function search(payload: Payload): Promise<number> {
  return payload.query.length;
}
const small: Payload = { query: 'latest invoices for ACME' };
const large: Payload = {
  query: 'latest invoices for ACME',
  rows: Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `customer-${i}`, tags: ['a', 'b', 'c'] })),
};
const huge: Payload = { query: large.query, rows: Array.from({ length: 10 }, () => large.rows!).flat() };
const largeBytes = Buffer.byteLength(JSON.stringify(large));
const ourCapture = traced('search', search, { capture: true });
const langfuseCapture = observe(search, { name: 'search' });
const traceloopCapture = (p: Payload) => traceloop.withTask({ name: 'search', traceContent: true }, search, p);
const ourNoCapture = traced('search', search);

// ---- measurement ---------------------------------------------------------------------------------------

type Scenario = { name: string; call: (i: number) => Promise<unknown> };

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs `n` sequential awaited calls, in slices of `yieldEvery`; between slices it yields to the event loop
 * (so the batch processor exports and nothing piles up) with the clock stopped.
 */
async function timeRound(call: (i: number) => Promise<unknown>, n: number, yieldEvery: number): Promise<number> {
  let total = 0n;
  let i = 0;
  while (i < n) {
    const end = Math.min(n, i + yieldEvery);
    const start = process.hrtime.bigint();
    for (; i < end; i++) await call(i);
    total += process.hrtime.bigint() - start;
    await yieldToLoop();
  }
  return Number(total) / n;
}

/** Median ns/call per scenario; rounds interleave the scenarios so machine noise hits them alike. */
async function runPhase(scenarios: Scenario[]): Promise<Map<string, number>> {
  const plan = new Map<string, { n: number; yieldEvery: number; samples: number[] }>();
  for (const s of scenarios) {
    // Calibrate: enough calls for one round to take about ROUND_MS; then two warm-up rounds.
    let probe = 0;
    let n = 50;
    while (true) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await s.call(i);
      probe = Number(process.hrtime.bigint() - t0) / 1e6;
      if (probe > 5 || n >= 200_000) break;
      n *= 4;
      await yieldToLoop();
    }
    const calls = Math.max(5, Math.min(500_000, Math.round((n * ROUND_MS) / Math.max(probe, 0.001))));
    const yieldEvery = Math.max(1, Math.min(512, Math.floor(calls / 16)));
    plan.set(s.name, { n: calls, yieldEvery, samples: [] });
    await timeRound(s.call, calls, yieldEvery);
    await timeRound(s.call, calls, yieldEvery);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of rotated(scenarios, r)) {
      const p = plan.get(s.name)!;
      p.samples.push(await timeRound(s.call, p.n, p.yieldEvery));
    }
  }
  return new Map([...plan].map(([name, p]) => [name, median(p.samples)]));
}

function install(sampler: Sampler): () => void {
  const provider = new BasicTracerProvider({
    sampler,
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 50, maxQueueSize: 4096, maxExportBatchSize: 512 })],
  });
  return installGlobals(provider);
}

const basic: Scenario[] = [
  { name: 'undecorated async method', call: (i) => undecorated.work(i) },
  { name: 'hand-written startActiveSpan wrapper', call: (i) => handWork(i) },
  { name: 'agentrace @step() method', call: (i) => decorated.work(i) },
  { name: 'agentrace traced(name, fn)', call: (i) => tracedWork(i) },
  { name: 'traceloop withTask', call: (i) => traceloopWork(i) },
  { name: 'langfuse observe (capture off)', call: (i) => langfuseWork(i) },
];

// Measured in both capture phases.
const ourCaptureSmall: Scenario = { name: 'agentrace traced, capture on, small argument', call: () => ourCapture(small) };
const ourCaptureLarge: Scenario = { name: 'agentrace traced, capture on, large argument', call: () => ourCapture(large) };

// Ours alone first: the peers' large captures make megabytes of garbage per call, and the GC pauses they
// cause would land on whichever scenario runs next.
const captureOurs: Scenario[] = [
  { name: 'agentrace traced, capture off, small argument', call: () => ourNoCapture(small) },
  ourCaptureSmall,
  { name: 'agentrace traced, capture off, large argument', call: () => ourNoCapture(large) },
  ourCaptureLarge,
  { name: 'agentrace traced, capture on, huge argument (10× large)', call: () => ourCapture(huge) },
];

const capturePeers: Scenario[] = [
  { name: 'undecorated, small argument', call: () => search(small) },
  ourCaptureSmall,
  ourCaptureLarge,
  { name: 'traceloop withTask traceContent, small argument', call: () => traceloopCapture(small) },
  { name: 'traceloop withTask traceContent, large argument', call: () => traceloopCapture(large) },
  { name: 'langfuse observe capture, small argument', call: () => langfuseCapture(small) },
  { name: 'langfuse observe capture, large argument', call: () => langfuseCapture(large) },
];

function table(title: string, results: Map<string, number>, baseline: string, reference?: string): string {
  const base = results.get(baseline)!;
  const ref = reference === undefined ? undefined : results.get(reference)! - base;
  const lines = [`### ${title}`, '', `| scenario | median ns/call | overhead ns${ref === undefined ? '' : ' | overhead vs hand-written'} |`, `|---|---:|---:${ref === undefined ? '' : '|---:'}|`];
  for (const [name, ns] of results) {
    const over = ns - base;
    const rel = ref === undefined ? '' : ` | ${name === baseline ? '' : `${((over / ref) * 100).toFixed(0)}%`}`;
    lines.push(`| ${name} | ${ns.toFixed(0)} | ${name === baseline ? '—' : over.toFixed(0)}${rel} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const out: string[] = [];
  out.push(`Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${ROUNDS} rounds of ~${ROUND_MS} ms per scenario, median.`);
  out.push('');

  let uninstall = install(new AlwaysOnSampler());
  out.push(table('Sampled (AlwaysOn, BatchSpanProcessor → no-op exporter)', await runPhase(basic), 'undecorated async method', 'hand-written startActiveSpan wrapper'));
  out.push('');
  const sizes = `small argument ${Buffer.byteLength(JSON.stringify(small))} B, large ≈ ${(largeBytes / 1e6).toFixed(1)} MB, huge ≈ ${((largeBytes * 10) / 1e6).toFixed(0)} MB of JSON`;
  out.push(table(`Capture, agentrace alone, sampled (${sizes}; capture keeps at most 50 items and 8 KiB)`, await runPhase(captureOurs), 'agentrace traced, capture off, small argument'));
  out.push('');
  out.push(table('Capture on, against the peers (their default capture), sampled', await runPhase(capturePeers), 'undecorated, small argument'));
  out.push('');
  uninstall();

  uninstall = install(new AlwaysOffSampler());
  out.push(table('Unsampled (AlwaysOff)', await runPhase(basic), 'undecorated async method', 'hand-written startActiveSpan wrapper'));
  out.push('');
  uninstall();

  out.push(table('No provider registered (bare @opentelemetry/api)', await runPhase(basic), 'undecorated async method', 'hand-written startActiveSpan wrapper'));
  out.push('');
  out.push(`Spans exported to the no-op exporter: ${exporter.exported}. Total time ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  console.log(out.join('\n'));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
