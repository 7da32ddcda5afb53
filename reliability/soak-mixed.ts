// The mixed-transport concurrency soak as a script: N decorated runs started at once over HTTP,
// HTTP through dispatchers of 2 connections, in-process queues, BullMQ, RabbitMQ (real Redis and
// RabbitMQ) and a poller the first run that uses it starts (whose handler starts a run, and a trace,
// per message), checked span by span in memory. Prints the summary, then PASS or the first failure;
// exits 1 on failure.
//
//   pnpm exec tsx --tsconfig tsconfig.test.json reliability/soak-mixed.ts [runs=10000]
//
// Bigger soaks: every span is held in memory (about 10.3 per run), so past ~50,000 runs give Node more
// heap (peak RSS: see RELIABILITY.md), e.g.
//   NODE_OPTIONS=--max-old-space-size=8192 pnpm exec tsx --tsconfig tsconfig.test.json reliability/soak-mixed.ts 100000
// All runs are in flight at once, so fetch opens one connection per concurrent HTTP run on its default
// dispatcher (no limit); the local server's accept backlog (8,192, capped by net.core.somaxconn) and
// the open-file limit (ulimit -n) must hold runs/9 connections.
// With a few hundred runs the lazy loop may handle every message before the run that started it ends:
// the ended-run rule is then not exercised (the summary says how many messages met each case).
// REDIS_URL and AMQP_URL choose the brokers (defaults: 127.0.0.1:6379 and amqp://guest:guest@127.0.0.1:5672).
import { setupTracing } from '@agentrace/testing';
import { assertMixedSoak, formatMixedSoak, runMixedSoak, summarizeMixedSoak } from './src/mixed-soak.js';

const runs = Number(process.argv[2] ?? 10_000);
if (!Number.isInteger(runs) || runs < 15) {
  process.stderr.write(`soak-mixed: runs must be an integer of at least 15 (one per transport pair), got ${process.argv[2]}\n`);
  process.exit(2);
}

const tracing = setupTracing({ serviceName: 'reliability-mixed-soak', autoReset: false });
const result = await runMixedSoak({ runs, tracing, log: (line) => process.stderr.write(`${line}\n`) });
const summary = summarizeMixedSoak(tracing, result);
process.stdout.write(`${formatMixedSoak(summary)}\n`);

const problems = [
  ...result.failedRuns.slice(0, 5).map((f) => `failed run ${f}`),
  ...result.mismatches.slice(0, 5).map((m) => `context mismatch: ${m}`),
  ...result.errors.slice(0, 5).map((e) => `broker client error: ${e}`),
  ...[...result.lost, ...result.unexpected].slice(0, 5).map((m) => `message lost or duplicated: ${m}`),
];
try {
  assertMixedSoak(tracing, result);
} catch (error) {
  problems.push(String((error as Error).message).slice(0, 4000));
}
process.stdout.write(problems.length === 0 ? 'PASS\n' : `FAIL\n${problems.join('\n')}\n`);
await tracing.shutdown();
process.exit(problems.length === 0 ? 0 : 1);
