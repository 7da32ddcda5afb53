// The agent of the outage test: traced runs of 10 spans (a run and nine steps) at a steady rate,
// exporting to ENDPOINT with the tracer's defaults. Once a second it prints one JSON line: spans
// produced, heap after GC, run latency percentiles over that second, and the tracer's export stats.
// "stop" on stdin: stop producing, shut the tracer down, print the final line and exit.
import { traced } from '@agentrace/decorators';
import { init } from '@agentrace/tracer';

const SPANS_PER_RUN = 10;
const rate = Number(process.env.SPANS_PER_SECOND ?? 1000);
const handle = init({ serviceName: process.env.SERVICE_NAME ?? 'outage-agent', endpoint: process.env.ENDPOINT, http: false, queues: false });
const gc = (globalThis as { gc?: () => void }).gc;

const step = traced('agent.step', async (i: number) => i * 2);
const run = traced('agent.run', async () => {
  let x = 0;
  for (let i = 0; i < SPANS_PER_RUN - 1; i++) x += await step(i);
  return x;
});

let produced = 0;
let latencies: number[] = [];
const started = Date.now();

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : 0;
}

function sample(final = false): void {
  gc?.();
  const sorted = latencies.sort((a, b) => a - b);
  latencies = [];
  const line = {
    final,
    t: (Date.now() - started) / 1000,
    produced,
    heapMB: process.memoryUsage().heapUsed / 1048576,
    p50us: percentile(sorted, 0.5),
    p99us: percentile(sorted, 0.99),
    stats: handle.stats(),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

// Runs are started on a 10 ms tick, as many as the rate asks for per tick.
const perTick = Math.max(1, Math.round(rate / SPANS_PER_RUN / 100));
const tick = setInterval(() => {
  for (let i = 0; i < perTick; i++) {
    const t0 = process.hrtime.bigint();
    void run().then(() => {
      produced += SPANS_PER_RUN;
      latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
    });
  }
}, 10);
const sampler = setInterval(() => sample(), 1000);

process.stdin.setEncoding('utf8');
process.stdin.on('data', (d: string) => {
  if (!d.includes('stop')) return;
  clearInterval(tick);
  clearInterval(sampler);
  // Let the runs in progress end, then send what is left.
  setTimeout(() => {
    void handle.shutdown().then(() => {
      sample(true);
      process.exit(0);
    });
  }, 100);
});
