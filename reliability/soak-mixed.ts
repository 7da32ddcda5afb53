// The mixed-transport concurrency soak as a script: N decorated runs started at once over HTTP,
// in-process queues, BullMQ and RabbitMQ (real Redis and RabbitMQ), checked span by span in memory.
// Prints the summary, then PASS or the first failure; exits 1 on failure.
//
//   pnpm exec tsx --tsconfig tsconfig.test.json reliability/soak-mixed.ts [runs=10000]
//
// Bigger soaks: every span is held in memory (10.5 per run on average; peak RSS measured at 0.8 GB
// for 10,000 runs and 1.25 GB for 25,000), so past ~50,000 runs give Node more heap, e.g.
//   NODE_OPTIONS=--max-old-space-size=8192 pnpm exec tsx --tsconfig tsconfig.test.json reliability/soak-mixed.ts 100000
// All runs are in flight at once, so fetch opens one connection per concurrent HTTP run (its default
// dispatcher has no limit); the local server's accept backlog (8,192, capped by net.core.somaxconn)
// and the open-file limit (ulimit -n) must hold runs/6 connections.
// REDIS_URL and AMQP_URL choose the brokers (defaults: 127.0.0.1:6379 and amqp://guest:guest@127.0.0.1:5672).
import { setupTracing } from '@agentrace/testing';
import { assertMixedSoak, formatMixedSoak, runMixedSoak, summarizeMixedSoak } from './src/mixed-soak.js';

const runs = Number(process.argv[2] ?? 10_000);
if (!Number.isInteger(runs) || runs < 6) {
  process.stderr.write(`soak-mixed: runs must be an integer of at least 6 (one per transport pair), got ${process.argv[2]}\n`);
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
