// What sampling costs the agent's process: CPU and heap per run with no sampling, head sampling
// (parentbased_traceidratio at 1%) and the tracer's tail sampling (1% and its default 10%), on the same
// runs in the same process, each through the real init() exporting to the Jaeger of scripts/services.mjs.
// Also how many of the failing runs each keeps. Run from the repository root:
//   pnpm exec tsx --tsconfig tsconfig.test.json bench/sampling.ts
// Results: bench/results/sampling.md (written by this script).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { traced } from '@agentrace/decorators';
import { init, type TracerOptions } from '@agentrace/tracer';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { median, rotated } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STEPS = 9;
const FAIL_EVERY = 33; // about 3% of the runs fail
const endpoint = `${process.env.AGENTRACE_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318'}/v1/traces`;
setFlagsFromString('--expose-gc');
const gc = (globalThis as { gc?: () => void }).gc ?? (runInNewContext('gc') as () => void);

interface Config {
  name: string;
  options: TracerOptions;
}

const configs: Config[] = [
  { name: 'no sampling (parentbased_always_on)', options: {} },
  { name: 'head sampling 1% (parentbased_traceidratio 0.01)', options: { sampler: 'parentbased_traceidratio', samplerArg: 0.01 } },
  { name: '**tail sampling 1%** (tailSampling: { ratio: 0.01 })', options: { tailSampling: { ratio: 0.01 } } },
  { name: 'tail sampling 10% (tailSampling: true, the default ratio)', options: { tailSampling: true } },
  { name: 'tail sampling 100% (ratio 1: the cost of holding, with nothing dropped)', options: { tailSampling: { ratio: 1 } } },
];

/** Counts the failing runs whose root span reached the export side (behind the tail sampler when it is on). */
class FailedRunCounter implements SpanProcessor {
  failedRunsExported = 0;
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    if (span.parentSpanContext === undefined && span.status.code === SpanStatusCode.ERROR) this.failedRunsExported++;
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

interface Row {
  name: string;
  cpuMicrosPerRun: number;
  heapPeakMB: number;
  exportedSpans: number;
  failedKept: number;
  failedRuns: number;
}

const step = traced('bench.step', async (i: number) => {
  // An agent's step awaits I/O: one turn of the event loop.
  await new Promise((r) => setImmediate(r));
  trace.getActiveSpan()?.setAttributes({ 'bench.step': i, 'bench.note': 'tool answered with a few words' });
  return i;
});

const run = traced(
  'bench.run',
  async (index: number) => {
    for (let i = 0; i < STEPS; i++) await step(i);
    if (index % FAIL_EVERY === 0) throw new Error('the model gave up');
  },
  { type: 'run', correlationId: (index: number) => `run-${index}` },
);

async function measure(config: Config, round: number): Promise<Row> {
  const counter = new FailedRunCounter();
  const handle = init({
    ...config.options,
    serviceName: `bench-sampling-${round}`,
    endpoint,
    exporter: ['otlp', counter],
    http: false,
    queues: false,
    handleExit: false,
  });
  gc();
  const heapBase = process.memoryUsage().heapUsed;
  let heapPeak = heapBase;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 10);
  const cpu0 = process.cpuUsage();
  // An intake loop that keeps CONCURRENT runs in flight.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < RUNS) await run(next++).catch(() => {});
  };
  await Promise.all(Array.from({ length: CONCURRENT }, worker));
  await handle.forceFlush();
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  const exportedSpans = handle.stats().exported;
  await handle.shutdown();
  return {
    name: config.name,
    cpuMicrosPerRun: (cpu.user + cpu.system) / RUNS,
    heapPeakMB: (heapPeak - heapBase) / 1048576,
    exportedSpans,
    failedKept: counter.failedRunsExported,
    failedRuns: Math.ceil(RUNS / FAIL_EVERY),
  };
}

async function main(): Promise<void> {
  const health = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => undefined);
  if (!health) throw new Error(`no OTLP receiver at ${endpoint}: start one with node scripts/services.mjs up jaeger`);
  // One warm-up pass, not recorded: the first configuration would otherwise pay for the JIT.
  await measure(configs[0]!, -1);
  const results = new Map<string, Row[]>(configs.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const config of rotated(configs, r)) {
      const row = await measure(config, r);
      results.get(config.name)!.push(row);
      process.stderr.write(
        `round ${r + 1} ${row.name}: ${row.cpuMicrosPerRun.toFixed(0)} µs CPU/run, heap +${row.heapPeakMB.toFixed(0)} MB, ${row.exportedSpans} spans exported, failing runs kept ${row.failedKept}/${row.failedRuns}\n`,
      );
    }
  }
  const rows = configs.map((c) => {
    const all = results.get(c.name)!;
    return {
      name: c.name,
      cpu: median(all.map((x) => x.cpuMicrosPerRun)),
      cpuRange: [Math.min(...all.map((x) => x.cpuMicrosPerRun)), Math.max(...all.map((x) => x.cpuMicrosPerRun))],
      heap: median(all.map((x) => x.heapPeakMB)),
      exported: median(all.map((x) => x.exportedSpans)),
      failedKept: median(all.map((x) => x.failedKept)),
      failedRuns: all[0]!.failedRuns,
    };
  });
  const base = rows[0]!;
  const lines = [
    '## Sampling: what it costs the agent (bench/sampling.ts)',
    '',
    `${RUNS.toLocaleString('en')} runs of ${STEPS + 1} spans each (a decorated run and ${STEPS} steps, each step awaiting one turn of the event`,
    `loop), ${CONCURRENT} in flight at a time, one run in ${FAIL_EVERY} failing; each configuration through the real \`init()\``,
    'exporting over OTLP/HTTP to the Jaeger of scripts/services.mjs, one after the other in one process, in a rotated',
    `order over ${ROUNDS} rounds (medians; the CPU range is min-max over the rounds). CPU is the process's user + system`,
    'time from the first run to the end of the final flush (export included), per run; heap is the peak growth during',
    `it (the runs in flight included: about ${CONCURRENT} runs' spans, held by the tail sampler until each run ends).`,
    '',
    '| configuration | CPU per run (µs) | vs no sampling | heap peak growth (MB) | per run in flight (KB) | spans exported | failing runs kept |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.cpu.toFixed(0)} (${r.cpuRange[0]!.toFixed(0)}-${r.cpuRange[1]!.toFixed(0)}) | ${((100 * r.cpu) / base.cpu).toFixed(0)}% | ${r.heap.toFixed(0)} | ${((r.heap * 1024) / CONCURRENT).toFixed(0)} | ${r.exported.toLocaleString('en')} | ${r.failedKept} of ${r.failedRuns} |`,
    ),
    '',
    'Head sampling decides at the root, before anything has happened: it records and exports the least, and keeps',
    'about 1% of the failing runs. Tail sampling records every span and holds each run until its root ends, then',
    'exports only the runs it keeps: every failing run, whole, plus its ratio of the rest. At ratio 1 it exports',
    'everything, like no sampling: the difference between those two rows is the cost of holding runs.',
    '',
    `Command: \`pnpm exec tsx --tsconfig tsconfig.test.json bench/sampling.ts\` (BENCH_RUNS, BENCH_CONCURRENT, BENCH_ROUNDS).`,
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at the end.`,
  ];
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'sampling.md');
  writeFileSync(out, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
