// Exporter outage, end to end: an agent exports to a Jaeger of its own at a steady rate; the Jaeger is
// killed for `outageSeconds`, then started again. Returns what the agent saw in each phase and what
// the new Jaeger stored. Used by the test (short outage) and by reliability/outage-soak.ts (long one).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ExportStats } from '@agentrace/tracer';
import { ownJaeger } from './own-jaeger.js';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');
const agentFile = fileURLToPath(new URL('./outage-agent.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('../../tsconfig.test.json', import.meta.url));

export interface Sample {
  final: boolean;
  t: number;
  produced: number;
  heapMB: number;
  p50us: number;
  p99us: number;
  stats: ExportStats;
}

export interface PhaseFigures {
  seconds: number;
  heapMBMax: number;
  p50usMedian: number;
  p99usMax: number;
  spansProduced: number;
}

export interface OutageFigures {
  serviceName: string;
  maxQueueSize: number | undefined;
  outageSeconds: number;
  spansPerSecond: number;
  before: PhaseFigures;
  outage: PhaseFigures;
  after: PhaseFigures;
  /** Heap after GC at the end of the warm-up, and the largest seen afterwards. */
  heapBaselineMB: number;
  heapMaxMB: number;
  /** Failed export requests while Jaeger was down. */
  failedExportsDuringOutage: number;
  /** Seconds from Jaeger's restart to the first successful export. */
  secondsToResume: number;
  /** Spans the agent counted as exported after the restart, and what the new Jaeger holds. */
  exportedAfterRestart: number;
  storedAfterRestart: number;
  final: Sample;
  agentExitCode: number | null;
  agentStderr: string;
}

function phase(samples: Sample[]): PhaseFigures {
  const p50 = samples.map((s) => s.p50us).sort((a, b) => a - b);
  return {
    seconds: samples.length,
    heapMBMax: Math.max(0, ...samples.map((s) => s.heapMB)),
    p50usMedian: p50.length ? p50[Math.floor(p50.length / 2)]! : 0,
    p99usMax: Math.max(0, ...samples.map((s) => s.p99us)),
    spansProduced: samples.length ? samples[samples.length - 1]!.produced - samples[0]!.produced : 0,
  };
}

async function storedSpans(queryUrl: string, serviceName: string): Promise<number> {
  const res = await fetch(`${queryUrl}/api/traces?service=${encodeURIComponent(serviceName)}&limit=150000&lookback=2h`);
  if (!res.ok) return 0;
  const body = (await res.json()) as { data: { spans: unknown[] }[] | null };
  return (body.data ?? []).reduce((n, t) => n + t.spans.length, 0);
}

export interface OutageOptions {
  outageSeconds: number;
  warmupSeconds?: number;
  spansPerSecond?: number;
  /** First of six loopback ports for the test's own Jaeger. */
  basePort?: number;
  /** The agent's `OTEL_BSP_MAX_QUEUE_SIZE`; the tracer's default when not given. */
  maxQueueSize?: number;
  log?: (line: string) => void;
}

export async function runOutage(options: OutageOptions): Promise<OutageFigures> {
  const { outageSeconds, warmupSeconds = 5, spansPerSecond = 1000, basePort = 24_318, log = () => {} } = options;
  const jaeger = ownJaeger(basePort);
  const serviceName = `outage-${randomUUID().slice(0, 8)}`;
  await jaeger.start();
  const agent = spawn(process.execPath, ['--expose-gc', '--import', tsx, agentFile], {
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: tsconfig,
      ENDPOINT: jaeger.endpoint,
      SERVICE_NAME: serviceName,
      SPANS_PER_SECOND: String(spansPerSecond),
      ...(options.maxQueueSize ? { OTEL_BSP_MAX_QUEUE_SIZE: String(options.maxQueueSize) } : {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  agent.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => agent.on('exit', (code) => resolve(code)));
  const samples: Sample[] = [];
  let onSample: (() => void) | undefined;
  createInterface({ input: agent.stdout }).on('line', (line) => {
    try {
      samples.push(JSON.parse(line) as Sample);
      onSample?.();
    } catch {
      log(`agent: ${line}`);
    }
  });
  const waitFor = async (check: (s: Sample) => boolean, limitSeconds: number, what: string): Promise<Sample> => {
    for (let i = 0; i < limitSeconds * 4; i++) {
      const last = samples[samples.length - 1];
      if (last && check(last)) return last;
      if (agent.exitCode !== null) throw new Error(`the agent exited (${agent.exitCode}) while waiting for ${what}:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}:\n${stderr}`);
  };
  try {
    await waitFor((s) => s.t >= warmupSeconds && s.stats.exported > 0, warmupSeconds + 60, 'the warm-up exports');
    const warmEnd = samples.length;
    log(`warm-up done: ${JSON.stringify(samples[warmEnd - 1])}`);
    await jaeger.stop();
    const outageStart = samples.length;
    const failedBefore = samples[outageStart - 1]!.stats.failedExports;
    log(`Jaeger stopped for ${outageSeconds} s`);
    await new Promise((r) => setTimeout(r, outageSeconds * 1000));
    const outageEnd = samples.length;
    // Anything counted as exported until now went to the Jaeger that was killed.
    const exportedAtRestart = samples[outageEnd - 1]!.stats.exported;
    const failedDuring = samples[outageEnd - 1]!.stats.failedExports - failedBefore;
    await jaeger.start();
    const restartedAt = Date.now();
    log('Jaeger started again');
    await waitFor((s) => s.stats.exported > exportedAtRestart, 120, 'the export to resume');
    const secondsToResume = (Date.now() - restartedAt) / 1000;
    // Wait until the backlog is sent: pending back to what a steady state holds.
    await waitFor((s) => s.stats.pending < 2048 && s.stats.consecutiveFailures === 0, 120, 'the backlog to drain');
    await new Promise((r) => setTimeout(r, 3000));
    agent.stdin.write('stop\n');
    const agentExitCode = await exited;
    const final = samples[samples.length - 1]!;
    if (!final.final) throw new Error(`the agent ended without its final line:\n${stderr}`);
    // Jaeger indexes what it received asynchronously.
    let stored = 0;
    for (let i = 0; i < 40; i++) {
      stored = await storedSpans(jaeger.queryUrl, serviceName);
      if (stored >= final.stats.exported - exportedAtRestart) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const all = samples.filter((s) => !s.final);
    return {
      serviceName,
      maxQueueSize: options.maxQueueSize,
      outageSeconds,
      spansPerSecond,
      before: phase(all.slice(0, warmEnd)),
      outage: phase(all.slice(outageStart, outageEnd)),
      after: phase(all.slice(outageEnd)),
      heapBaselineMB: samples[warmEnd - 1]!.heapMB,
      heapMaxMB: Math.max(...all.slice(warmEnd).map((s) => s.heapMB)),
      failedExportsDuringOutage: failedDuring,
      secondsToResume,
      exportedAfterRestart: final.stats.exported - exportedAtRestart,
      storedAfterRestart: stored,
      final,
      agentExitCode,
      agentStderr: stderr,
    };
  } finally {
    if (agent.exitCode === null) agent.kill('SIGKILL');
    await jaeger.stop();
  }
}

/** The figures as Markdown, for RELIABILITY.md. */
export function formatOutage(f: OutageFigures): string {
  const row = (name: string, p: PhaseFigures) =>
    `| ${name} | ${p.seconds} | ${p.spansProduced} | ${p.p50usMedian.toFixed(0)} | ${p.p99usMax.toFixed(0)} | ${p.heapMBMax.toFixed(1)} |`;
  const d = f.final.stats.dropped;
  return [
    `Outage of ${f.outageSeconds} s at ${f.spansPerSecond} spans/s, queue ${f.maxQueueSize ?? 'default'} (service ${f.serviceName}).`,
    '',
    '| phase | seconds | spans produced | run latency p50 (µs, median of seconds) | run latency p99 (µs, worst second) | heap after GC, max (MB) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('before', f.before),
    row('Jaeger down', f.outage),
    row('after restart', f.after),
    '',
    `- heap growth over the warm-up baseline: ${(f.heapMaxMB - f.heapBaselineMB).toFixed(1)} MB (baseline ${f.heapBaselineMB.toFixed(1)} MB)`,
    `- failed export requests while down: ${f.failedExportsDuringOutage}; export resumed ${f.secondsToResume.toFixed(1)} s after the restart`,
    `- spans produced ${f.final.produced}: exported ${f.final.stats.exported}, dropped ${d.total} (queue full ${d.queueFull}, export failed ${d.exportFailed}, timed out ${d.exportTimeout}, at shutdown ${d.shutdown})`,
    `- exported after the restart ${f.exportedAfterRestart}, stored by the restarted Jaeger ${f.storedAfterRestart}`,
  ].join('\n');
}
