// Issue 20, collector-side tail sampling with the real engine: a Jaeger of the test's own runs the
// shipped tail-sampling configuration (scripts/jaeger-config.yaml + scripts/jaeger/tail-sampling.yaml,
// 1% for the rest, a 3 s decision wait). 2,000 runs cross two processes through RabbitMQ (the shared
// broker, a queue of this test's own); 5% fail in the second process, which the first cannot see.
// Jaeger holds every failing trace with both services' spans, about 1% of the rest, and every trace
// it holds whole.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { fetchJaegerTraces, jaegerTraceToTree } from '@agentrace/core/jaeger';
import { assertSpansInTheirRuns, traceTreeNodes, type TraceTree } from '@agentrace/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ownJaeger } from '../src/own-jaeger.js';
import { runAgentScript } from './utils/run-agent.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const RUNS = 2000;
const FAIL_EVERY = 20; // 5%
const FAIL_AT = 7;
const DECISION_WAIT_S = 3;

const jaeger = ownJaeger(36_010, {
  overlays: ['tail-sampling'],
  env: { AGENTRACE_TAIL_DECISION_WAIT: `${DECISION_WAIT_S}s`, AGENTRACE_TAIL_PERCENT: '1' },
});
afterAll(() => jaeger.stop());

/** Starts the consumer and resolves once it consumes; `exited` resolves with its output at the end. */
function startConsumer(env: Record<string, string>) {
  const child = spawn(`${repo}node_modules/.bin/tsx`, ['--tsconfig', `${repo}tsconfig.test.json`, `${repo}reliability/src/tail-sampling-consumer.ts`], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`consumer exited (${code}) before it was ready: ${stderr}`)));
  });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { ready, exited, kill: () => child.kill('SIGKILL') };
}

const runOf = (tree: TraceTree): string | undefined => tree.roots.map((r) => r.attributes['agentrace.correlation_id']).find((v): v is string => typeof v === 'string');
const servicesOf = (tree: TraceTree): string[] => [...new Set(traceTreeNodes(tree).map((n) => n.serviceName ?? '?'))].sort();

describe('collector-side tail sampling (Jaeger tail_sampling)', () => {
  it('keeps every trace that failed in the second process, with both services, and about 1% of the rest', async () => {
    await jaeger.start();
    const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
    const [serviceA, serviceB] = [`tail-orders-${id}`, `tail-ledger-${id}`];
    const common = { OTLP_ENDPOINT: jaeger.endpoint, QUEUE: `agentrace-tail-sampling-${id}`, RUNS: String(RUNS) };
    const consumer = startConsumer({ ...common, SERVICE_NAME: serviceB, FAIL_EVERY: String(FAIL_EVERY), FAIL_AT: String(FAIL_AT) });
    try {
      await consumer.ready;
      const producer = await runAgentScript('tail-sampling-producer.ts', { ...common, SERVICE_NAME: serviceA, RATE: '200' }, 120_000);
      expect(producer.code, producer.stderr).toBe(0);
      const b = await consumer.exited;
      expect(b.code, b.stderr).toBe(0);
      expect(b.stdout).toContain(`done ${RUNS}`);
    } finally {
      consumer.kill();
    }

    const failing = new Set(Array.from({ length: RUNS }, (_, i) => i).filter((i) => i % FAIL_EVERY === FAIL_AT).map((i) => `order-${i}`));
    // Read until every failing trace is there with both services and the count has settled past the decision wait.
    let trees: TraceTree[] = [];
    let previous = -1;
    for (let attempt = 0; attempt < 60; attempt++) {
      await new Promise((r) => setTimeout(r, 1000));
      trees = (await fetchJaegerTraces({ baseUrl: jaeger.queryUrl, service: serviceA, limit: 5 * RUNS })).map(jaegerTraceToTree);
      const complete = [...failing].every((run) => trees.some((t) => runOf(t) === run && servicesOf(t).length === 2));
      if (complete && trees.length === previous && attempt >= DECISION_WAIT_S) break;
      previous = trees.length;
    }

    const byRun = new Map(trees.map((t) => [runOf(t), t]));
    const missing = [...failing].filter((run) => !byRun.has(run));
    expect(missing, 'failing runs Jaeger does not hold').toEqual([]);
    for (const run of failing) {
      const tree = byRun.get(run)!;
      expect(servicesOf(tree), run).toEqual([serviceA, serviceB].sort());
      expect(traceTreeNodes(tree).some((n) => n.name === 'apply order' && n.status.code === 'ERROR'), run).toBe(true);
    }
    // Every trace held is whole: both services' spans, and each probe under its own run.
    expect(trees.filter((t) => servicesOf(t).length !== 2).map((t) => t.traceId)).toEqual([]);
    assertSpansInTheirRuns(trees, { minProbes: 2 * trees.length });

    // The rest: 1,900 runs at p = 0.01: mean 19, sd sqrt(1900 * 0.01 * 0.99) = 4.34. Bounds [1, 39]
    // (0 has probability 0.99^1900 < 1e-8; 40 or more is 4.8 sd above the mean, below 1e-5).
    const rest = trees.filter((t) => !failing.has(runOf(t) ?? '')).length;
    console.log(`collector tail sampling: kept ${failing.size} failing traces and ${rest} of ${RUNS - failing.size} others (expected 19, bounds [1, 39])`);
    expect(rest).toBeGreaterThanOrEqual(1);
    expect(rest).toBeLessThanOrEqual(39);
  }, 240_000);
});
