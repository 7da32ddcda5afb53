// The stress run: the stale-cache race at rising concurrency (1, 2, 4, ... runs in flight per
// worker, spread over the same start window), analysed after each level with findLostUpdates, until
// the analysis proves a lost update. Bounded: it stops at STRESS_MAX_CONCURRENCY and says so.
import { formatLostUpdates } from '@agentrace/state';
import { buildTraceTrees, formatTraceTree } from '@agentrace/core';
import { randomBytes } from 'node:crypto';
import { init, jaegerSearchLink, jaegerTraceLink, jaegerUiUrl } from '@agentrace/tracer';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { stressUntilLostUpdate } from './stress.js';

const serviceName = process.env.OTEL_SERVICE_NAME ?? 'stress-race';
const maxConcurrency = Number(process.env.STRESS_MAX_CONCURRENCY ?? 64);
const spreadMs = Number(process.env.STRESS_SPREAD_MS ?? 100);
const thinkMs = Number(process.env.STRESS_THINK_MS ?? 1);
const seed = Number(process.env.STRESS_SEED ?? Date.now() % 100_000);
const guard = /^(1|true|on)$/i.test(process.env.STALE_WRITE_GUARD ?? '');

// Every span goes to Jaeger; the analysis reads them here too. Hundreds of runs would flood the
// terminal, so instead of the console exporter for all, the two runs of the finding are printed as trees.
const memory = new InMemorySpanExporter();
const tracing = init({ serviceName, exporter: ['otlp', new SimpleSpanProcessor(memory)] });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

console.log(
  `Stale-cache race, two workers, runs spread over ${spreadMs} ms, think time up to ${thinkMs} ms, seed ${seed}` +
    `${guard ? ', stale-write guard ON' : ''}`,
);
const { found, totalRuns } = await stressUntilLostUpdate({
  redis,
  keyPrefix: 'example:stress-race:', // each level clears its keys before it starts
  spans: () => memory.getFinishedSpans(),
  resetSpans: () => memory.reset(),
  maxConcurrency,
  spreadMs,
  thinkMs,
  seed,
  guard,
  // Run ids unique to this stress run, so a search by correlation id finds only its runs.
  runIdPrefix: `${randomBytes(3).toString('hex')}:`,
  onLevel: ({ concurrency, race, lostUpdates, loggedLostUpdates }) =>
    console.log(
      `concurrency ${String(concurrency).padStart(3)}: ${String(race.runs).padStart(4)} runs, visits ${race.profile.visits}/${race.runs}, ` +
        `lost updates found by the analysis: ${lostUpdates.length} (in the cache's write log: ${loggedLostUpdates})`,
    ),
});
await redis.quit();

if (found === undefined) {
  console.log(
    `\nNo lost update up to concurrency ${maxConcurrency}, after ${totalRuns} runs: stopped at the maximum.` +
      (guard ? ' (The stale-write guard was on: that is what it is for.)' : ' Raise STRESS_MAX_CONCURRENCY or STRESS_THINK_MS, or narrow STRESS_SPREAD_MS.'),
  );
} else {
  const first = found.lostUpdates[0]!;
  console.log(`\nThe analysis proved a lost update after ${totalRuns} runs (at concurrency ${found.concurrency} per worker):\n`);
  console.log(formatLostUpdates([first]));
  const traces = buildTraceTrees(memory.getFinishedSpans()).filter((t) => t.traceId === first.lost.traceId || t.traceId === first.overwriting.traceId);
  const attributes = ['agentrace.correlation_id', 'state.key', 'state.version', 'state.based_on'];
  console.log(`\nThe two runs:\n\n${traces.map((t) => `trace ${t.traceId}\n${formatTraceTree(t, { attributes })}`).join('\n')}`);
  const jaeger = jaegerUiUrl();
  console.log(`In Jaeger (${jaeger}):`);
  for (const [role, write] of [['lost', first.lost], ['overwriting', first.overwriting]] as const) {
    console.log(`  ${role}: run ${write.correlationId ?? '(unknown)'}`);
    console.log(`    trace:  ${jaegerTraceLink(write.traceId, jaeger)}`);
    if (write.correlationId !== undefined) {
      console.log(`    search: ${jaegerSearchLink({ service: serviceName, tags: { 'agentrace.correlation_id': write.correlationId } }, jaeger)}`);
    }
  }
  if (found.lostUpdates.length > 1) {
    console.log(`(${found.lostUpdates.length - 1} more lost updates at this level; every trace is in Jaeger, service "${serviceName}")`);
  }
}
await tracing.shutdown();
