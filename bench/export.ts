// Span bursts against the real Jaeger (OTLP/HTTP JSON on loopback): how much of a burst each batch
// configuration delivers, how long delivery takes, and the heap it needs. The burst is what an agent
// fanning out does: RUNS concurrent runs of STEPS awaited steps each, all started at once.
// Argues the tracer's batch defaults (packages/tracer/README.md). Run from the repository root (needs
// the Jaeger of scripts/services.mjs):
//   pnpm exec tsx --tsconfig tsconfig.test.json bench/export.ts
// Results: bench/results/export.md (written by this script).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { traced } from '@agentrace/decorators';
import { AccountingBatchProcessor, installGlobals } from '@agentrace/tracer';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const STEPS = Number(process.env.BENCH_STEPS ?? 19);
const endpoint = `${process.env.AGENTRACE_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318'}/v1/traces`;
// GC before each burst, so the heap figures start from the same place (works without --expose-gc).
setFlagsFromString('--expose-gc');
const gc = (globalThis as { gc?: () => void }).gc ?? (runInNewContext('gc') as () => void);

/** Counts what the endpoint accepted. */
class CountingExporter implements SpanExporter {
  accepted = 0;
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans, (r) => {
      if (r.code === 0) this.accepted += spans.length;
      done(r);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

interface Config {
  name: string;
  make(exporter: SpanExporter): SpanProcessor & { waitForCapacity?: () => Promise<void> };
  /** Runs are started by a loop that awaits queue room before each (the 'wait' overflow mode). */
  waits?: boolean;
}

const batch = (maxQueueSize: number, maxExportBatchSize: number, scheduledDelayMillis: number, overflow: 'drop' | 'wait' = 'drop') => ({
  maxQueueSize,
  maxQueueBytes: 256 * 1024 * 1024,
  maxExportBatchSize,
  scheduledDelayMillis,
  exportTimeoutMillis: 30_000,
  overflow,
});

const configs: Config[] = [
  { name: 'OTel SDK BatchSpanProcessor, its defaults (queue 2,048, batch 512, 5 s)', make: (e) => new BatchSpanProcessor(e) },
  { name: 'agentrace, queue 2,048, batch 512, 5 s (the SDK defaults)', make: (e) => new AccountingBatchProcessor(e, batch(2048, 512, 5000)) },
  { name: 'agentrace, queue 16,384, batch 1,024, 1 s', make: (e) => new AccountingBatchProcessor(e, batch(16_384, 1024, 1000)) },
  { name: 'agentrace, queue 65,536, batch 4,096, 1 s', make: (e) => new AccountingBatchProcessor(e, batch(65_536, 4096, 1000)) },
  { name: 'agentrace, queue 131,072, batch 4,096, 1 s', make: (e) => new AccountingBatchProcessor(e, batch(131_072, 4096, 1000)) },
  { name: '**agentrace defaults: queue 262,144 (and 256 MiB), batch 4,096, 1 s**', make: (e) => new AccountingBatchProcessor(e, batch(262_144, 4096, 1000)) },
  {
    name: "agentrace, queue 16,384, batch 4,096, overflow 'wait' (the loop awaits waitForCapacity())",
    make: (e) => new AccountingBatchProcessor(e, batch(16_384, 4096, 1000, 'wait')),
    waits: true,
  },
];

/** How a step waits: on a microtask only (no I/O: the worst case for the exporter) or on I/O. */
type Shape = 'microtask' | 'io';

interface Row {
  shape: Shape;
  name: string;
  produced: number;
  delivered: number;
  seconds: number;
  heapPeakMB: number;
}

async function burst(config: Config, shape: Shape): Promise<Row> {
  const exporter = new CountingExporter(new OTLPTraceExporter({ url: endpoint, timeoutMillis: 30_000 }));
  const processor = config.make(exporter);
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const uninstall = installGlobals(provider);
  const step = traced('bench.step', async (i: number) => {
    if (shape === 'io') await new Promise((r) => setImmediate(r));
    else await Promise.resolve();
    return i;
  });
  let produced = 0;
  const run = traced('bench.run', async () => {
    for (let i = 0; i < STEPS; i++) await step(i);
    produced += STEPS + 1;
  });
  gc?.();
  const heapBase = process.memoryUsage().heapUsed;
  let heapPeak = heapBase;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 20);
  const t0 = process.hrtime.bigint();
  const runs: Promise<void>[] = [];
  for (let i = 0; i < RUNS; i++) {
    // An agent's intake loop: with 'wait' it takes the next message only when the queue has room.
    if (config.waits) await processor.waitForCapacity?.();
    runs.push(run());
  }
  await Promise.all(runs);
  await provider.forceFlush().catch(() => {});
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  clearInterval(sampler);
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  await provider.shutdown().catch(() => {});
  uninstall();
  return { shape, name: config.name, produced, delivered: exporter.accepted, seconds, heapPeakMB: (heapPeak - heapBase) / 1048576 };
}

async function main(): Promise<void> {
  const health = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => undefined);
  if (!health) throw new Error(`no OTLP receiver at ${endpoint}: start one with node scripts/services.mjs up jaeger`);
  const rows: Row[] = [];
  for (const shape of ['microtask', 'io'] as const) {
    for (const config of configs) {
      const row = await burst(config, shape);
      process.stderr.write(`${shape} ${row.name}: ${row.delivered}/${row.produced} in ${row.seconds.toFixed(2)} s, heap +${row.heapPeakMB.toFixed(0)} MB\n`);
      rows.push(row);
    }
  }
  const lines = [
    '## Export under a burst (bench/export.ts)',
    '',
    `${RUNS.toLocaleString('en')} concurrent runs of ${STEPS + 1} spans each (${(RUNS * (STEPS + 1)).toLocaleString('en')} spans), started by one loop without`,
    'waiting (with overflow \'wait\', the loop awaits `waitForCapacity()` before each run), exported over OTLP/HTTP JSON to',
    'the Jaeger of scripts/services.mjs on loopback. Each step awaits either a microtask only ("microtask": the whole',
    'burst is produced before the exporter gets a turn, the worst case) or a turn of the event loop as I/O does ("io").',
    'One configuration after the other in one process; "delivered" is what Jaeger accepted, "heap" the peak heap',
    'growth during the burst (the runs themselves included).',
    '',
    '| steps wait on | configuration | delivered | lost | seconds to deliver | heap peak growth (MB) |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.shape} | ${r.name} | ${r.delivered.toLocaleString('en')} | ${(100 * (1 - r.delivered / r.produced)).toFixed(1)}% | ${r.seconds.toFixed(2)} | ${r.heapPeakMB.toFixed(0)} |`,
    ),
    '',
    `Command: \`pnpm exec tsx --tsconfig tsconfig.test.json bench/export.ts\` (BENCH_RUNS, BENCH_STEPS change the burst).`,
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at the end.`,
  ];
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'export.md');
  writeFileSync(out, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
