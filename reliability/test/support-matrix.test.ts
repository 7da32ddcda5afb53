// The support matrix (README, "Supported versions"): every instrumented library at the oldest version
// agentrace supports and at its newest major, installed from the npm registry with plain npm into a
// scratch project (cached under ~/.cache/agentrace/support-matrix), run as a user's app with
// `node --import @agentrace/tracer/register app.mjs` on the Node running this test, exporting over
// OTLP to a local receiver. In each app three runs hand work to the library; the library hands it back
// (a consumer, a queued task, a request handler, a listener) where the app makes a `work <run>` span.
// `scripts/test.sh` runs this file on Node 20, 22 and 24.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { runProcess, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@agentrace/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentrace, installedVersion, installScratch, makeApp, runsOnThisNode } from './support-matrix/scratch.js';

interface Cell {
  library: string;
  /** Exact version installed (the oldest supported one, or the newest of a major). */
  version: string;
  /** Other packages the app needs, exact versions. */
  with?: Record<string, string>;
  app: string;
  env?: Record<string, string>;
  /** Start the app with `--import @agentrace/tracer/register`. Default: true. */
  preload?: boolean;
  /** Label suffix in the test name. */
  label?: string;
  /** A warning the app must print (by default it must print none about tracing). */
  warning?: RegExp;
  /** What the spans must show besides every `work <run>` span being in its run's trace. */
  check: (spans: ReceivedSpan[], id: string) => void;
}

const RUNS = ['r0', 'r1', 'r2'];

const byName = (spans: ReceivedSpan[], name: string): ReceivedSpan[] => spans.filter((s) => s.name === name);
const one = (spans: ReceivedSpan[], name: string): ReceivedSpan => {
  const found = byName(spans, name);
  expect(found, `spans named ${name}: ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
};
const parentOf = (spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan | undefined => spans.find((s) => s.spanId === span.parentSpanId);

/** Every run's `work` span is in the run's own trace, under its run span. */
function eachRunKeepsItsWork(spans: ReceivedSpan[]): void {
  for (const run of RUNS) {
    const root = one(spans, `run ${run}`);
    const work = one(spans, `work ${run}`);
    expect(work.traceId, `work ${run} in the trace of run ${run}`).toBe(root.traceId);
    let at: ReceivedSpan | undefined = work;
    while (at && at !== root) at = parentOf(spans, at);
    expect(at, `work ${run} under run ${run}`).toBe(root);
  }
}

/** A queue hop: per run one producer span under the run and one `process` span under it. */
function oneSendAndProcessPerRun(destination: string, verb = 'send') {
  return (spans: ReceivedSpan[]): void => {
    eachRunKeepsItsWork(spans);
    expect(byName(spans, `${verb} ${destination}`)).toHaveLength(RUNS.length);
    expect(byName(spans, `process ${destination}`)).toHaveLength(RUNS.length);
    for (const run of RUNS) {
      const work = one(spans, `work ${run}`);
      const process = parentOf(spans, work)!;
      expect(process.name).toBe(`process ${destination}`);
      const send = parentOf(spans, process)!;
      expect(send.name).toBe(`${verb} ${destination}`);
      expect(parentOf(spans, send)?.name).toBe(`run ${run}`);
    }
  };
}

/** An in-process queue: each task in a `process <queue>` span under the run that enqueued it. */
function inProcess(queue: string) {
  return (spans: ReceivedSpan[]): void => {
    eachRunKeepsItsWork(spans);
    for (const run of RUNS) expect(parentOf(spans, one(spans, `work ${run}`))?.name).toBe(`process ${queue}`);
  };
}

const bullmq = (version: string, extra: Record<string, string> = {}): Cell => ({
  library: 'bullmq',
  version,
  with: extra,
  app: 'bullmq.mjs',
  check: (spans, id) => oneSendAndProcessPerRun(`support-matrix-${id}`)(spans),
});

const undici = (version: string): Cell => ({
  library: 'undici',
  version,
  app: 'undici.mjs',
  check: (spans) => {
    eachRunKeepsItsWork(spans);
    for (const run of RUNS) {
      // work (in the server's handler) < SERVER span < CLIENT span < run: the request carried the context.
      const server = parentOf(spans, one(spans, `work ${run}`))!;
      const client = parentOf(spans, server)!;
      expect([server.name, client.name]).toEqual(['GET', 'GET']);
      expect(parentOf(spans, client)?.name).toBe(`run ${run}`);
    }
  },
});

export const CELLS: Cell[] = [
  bullmq('5.0.0'),
  bullmq('6.7.6', { ioredis: '6.1.0' }),
  {
    library: 'amqplib',
    version: '0.10.0',
    app: 'amqplib.mjs',
    check: (spans, id) => oneSendAndProcessPerRun(`support-matrix-${id}`, 'publish')(spans),
  },
  {
    library: 'amqplib',
    version: '2.3.1',
    app: 'amqplib.mjs',
    check: (spans, id) => oneSendAndProcessPerRun(`support-matrix-${id}`, 'publish')(spans),
  },
  undici('6.0.0'),
  undici('7.30.3'),
  undici('8.14.0'),
  ...['7.0.0', '8.1.0', '9.3.5', '10.0.0'].map((version): Cell => ({ library: 'p-queue', version, app: 'p-queue.mjs', check: inProcess('p-queue') })),
  ...['1.15.0', '1.20.3'].map((version): Cell => ({ library: 'fastq', version, app: 'fastq.mjs', check: inProcess('fastq') })),
  ...['5.0.0', '6.1.0'].map(
    (version): Cell => ({
      library: 'ioredis',
      version,
      app: 'ioredis.mjs',
      check: (spans) => {
        // The subscriber was made in run r0: every message's listener runs outside any run.
        for (const run of RUNS) {
          const work = one(spans, `work ${run}`);
          expect(work.parentSpanId, `work ${run} is a root span`).toBeFalsy();
        }
      },
    }),
  ),
];

/** Each run's work is exactly `hops` spans below its run span: one span per operation, one trace per run. */
function hopsPerRun(hops: number) {
  return (spans: ReceivedSpan[]): void => {
    eachRunKeepsItsWork(spans);
    for (const run of RUNS) {
      const chain: string[] = [];
      for (let at = parentOf(spans, one(spans, `work ${run}`)); at && at.name !== `run ${run}`; at = parentOf(spans, at)) chain.push(at.name);
      expect(chain, `spans between work ${run} and run ${run}`).toHaveLength(hops);
    }
  };
}

/**
 * Official OpenTelemetry instrumentations registered beside agentrace (after `init()`, as OpenTelemetry
 * documents). They come from the registry with the @opentelemetry/api npm gives them today (1.10), next
 * to the app's 1.9: the globals are re-registered through 1.10 so their spans join the trace. Both
 * registration orders with one API copy: the packages' own tests (`no-double-spans-with-official-
 * instrumentations`, `amqplib-one-span-beside-the-official-instrumentation`).
 */
const OFFICIAL_PAIRS: Cell[] = (['agentrace-first'] as const).flatMap((order): Cell[] => [
  {
    library: 'amqplib',
    version: '2.3.1',
    with: { '@opentelemetry/instrumentation-amqplib': '0.70.0' },
    app: 'with-official.mjs',
    preload: false,
    label: `beside @opentelemetry/instrumentation-amqplib (${order})`,
    env: { MATRIX_OFFICIAL: 'amqplib', MATRIX_ORDER: order, MATRIX_WORKLOAD: 'amqplib.mjs' },
    check: hopsPerRun(2),
  },
  {
    library: 'undici',
    version: '7.30.3',
    with: { '@opentelemetry/instrumentation-undici': '0.33.0' },
    app: 'with-official.mjs',
    preload: false,
    label: `beside @opentelemetry/instrumentation-undici (${order})`,
    // With no connection limit: beside the official undici instrumentation, which makes the span, a
    // request a Pool queued is parented in the context of the request that freed the connection.
    env: { MATRIX_OFFICIAL: 'undici', MATRIX_ORDER: order, MATRIX_WORKLOAD: 'undici.mjs', MATRIX_CONNECTIONS: '10' },
    check: hopsPerRun(2),
  },
  {
    library: 'undici',
    version: '7.30.3',
    with: { '@opentelemetry/instrumentation-http': '0.223.0' },
    app: 'with-official.mjs',
    preload: false,
    label: `beside @opentelemetry/instrumentation-http (${order})`,
    env: { MATRIX_OFFICIAL: 'http', MATRIX_ORDER: order, MATRIX_WORKLOAD: 'undici.mjs' },
    check: hopsPerRun(2),
  },
]);
CELLS.push(
  {
    library: 'bullmq',
    version: '6.7.6',
    with: { ioredis: '6.1.0', fastq: '1.20.3' },
    app: 'early-import.mjs',
    preload: false,
    label: 'and fastq imported before init() (ESM)',
    // BullMQ is patched late and traced; fastq is reported with the module, where it is and the fix.
    warning: /fastq \(.*node_modules[/\\]fastq\) was loaded before the agentrace queue instrumentation was enabled.*--import @agentrace\/tracer\/register/,
    check: (spans, id) => oneSendAndProcessPerRun(`support-matrix-${id}`)(spans),
  },
  {
    library: 'bullmq',
    version: '4.18.3',
    app: 'bullmq.mjs',
    label: '(outside the supported range)',
    warning: /bullmq 4\.18\.3( \(.*\))? is outside the versions agentrace instruments \(>=5\.0\.0 <7\): it is not traced/,
    check: (spans, id) => expect(byName(spans, `send support-matrix-${id}`)).toHaveLength(0),
  },
);
CELLS.push(...OFFICIAL_PAIRS, {
  library: '@opentelemetry/api',
  version: '1.10.0',
  app: 'mixed-api.mjs',
  label: 'in a library, next to the app and agentrace on 1.9.0',
  check: eachRunKeepsItsWork,
}, {
  library: 'bullmq',
  version: '6.7.6',
  with: { ioredis: '6.1.0', 'bullmq-otel': '2.0.1' },
  app: 'bullmq.mjs',
  label: 'with bullmq-otel (BullMQ telemetry)',
  env: { MATRIX_BULLMQ_OTEL: '1' },
  check: hopsPerRun(2),
});

let receiver: OtlpReceiver;
const apps: string[] = [];

beforeAll(async () => {
  buildAgentrace();
  receiver = await startOtlpReceiver();
}, 300_000);
afterAll(async () => {
  await receiver?.close();
  for (const dir of apps) rmSync(dir, { recursive: true, force: true });
});

/** Installs the cell's packages, runs its app, and returns its spans (and the app's stderr). */
export async function runCell(cell: Pick<Cell, 'library' | 'version' | 'with' | 'app' | 'env' | 'preload'>): Promise<{ spans: ReceivedSpan[]; id: string; stderr: string; skipped?: string }> {
  const project = installScratch({ [cell.library]: cell.version, ...cell.with });
  expect(installedVersion(project, cell.library)).toBe(cell.version);
  const id = randomUUID().slice(0, 8);
  if (!runsOnThisNode(project, cell.library)) return { spans: [], id, stderr: '', skipped: `${cell.library} ${cell.version} does not run on Node ${process.versions.node}` };
  const app = makeApp(project, cell.app);
  apps.push(app);
  const service = `support-matrix-${cell.library}-${id}`;
  const result = await runProcess(process.execPath, [...(cell.preload === false ? [] : ['--import', '@agentrace/tracer/register']), cell.app], {
    cwd: app,
    env: {
      ...process.env,
      MATRIX_ID: id,
      MATRIX_PROJECT: project,
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
      OTEL_TRACES_SAMPLER: 'always_on',
      ...cell.env,
    },
  });
  expect(result.code, `${cell.app} failed:\n${result.stderr}`).toBe(0);
  return { spans: receiver.spans().filter((s) => s.serviceName === service), id, stderr: result.stderr };
}

describe(`support matrix on Node ${process.versions.node}`, () => {
  it.for(CELLS.map((cell) => [`${cell.library} ${cell.version}${cell.label ? ` ${cell.label}` : ''}`, cell] as const))('%s', async ([, cell], ctx) => {
    const { spans, id, stderr, skipped } = await runCell(cell);
    if (skipped) return ctx.skip(skipped);
    cell.check(spans, id);
    if (cell.warning) expect(stderr).toMatch(cell.warning);
    else expect(stderr).not.toMatch(/not traced|outside the versions/);
  });
});
