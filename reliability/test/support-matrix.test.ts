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
export async function runCell(cell: Pick<Cell, 'library' | 'version' | 'with' | 'app' | 'env'>): Promise<{ spans: ReceivedSpan[]; id: string; stderr: string; skipped?: string }> {
  const project = installScratch({ [cell.library]: cell.version, ...cell.with });
  expect(installedVersion(project, cell.library)).toBe(cell.version);
  const id = randomUUID().slice(0, 8);
  if (!runsOnThisNode(project, cell.library)) return { spans: [], id, stderr: '', skipped: `${cell.library} ${cell.version} does not run on Node ${process.versions.node}` };
  const app = makeApp(project, cell.app);
  apps.push(app);
  const service = `support-matrix-${cell.library}-${id}`;
  const result = await runProcess(process.execPath, ['--import', '@agentrace/tracer/register', cell.app], {
    cwd: app,
    env: {
      ...process.env,
      MATRIX_ID: id,
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
  it.for(CELLS.map((cell) => [`${cell.library} ${cell.version}`, cell] as const))('%s', async ([, cell], ctx) => {
    const { spans, id, stderr, skipped } = await runCell(cell);
    if (skipped) return ctx.skip(skipped);
    cell.check(spans, id);
    expect(stderr).not.toMatch(/not traced|outside the versions/);
  });
});
