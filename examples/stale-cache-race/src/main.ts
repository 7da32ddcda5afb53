// The stale-cache race: two workers update the same cached profile in Redis, several runs each at
// once. Run as is to see updates lost and findLostUpdates name them; run with --guard (or
// STALE_WRITE_GUARD=1) to see the stale-write guard catch every race as it happens instead.
import { EVENT_STATE_STALE_WRITE, findLostUpdates, formatLostUpdates } from '@agentrace/state';
import { randomBytes } from 'node:crypto';
import { init, jaegerSearchLink, jaegerTraceLink, jaegerUiUrl } from '@agentrace/tracer';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { runRace } from './race.js';

const guard = process.argv.includes('--guard') || /^(1|true|on)$/i.test(process.env.STALE_WRITE_GUARD ?? '');
const serviceName = process.env.OTEL_SERVICE_NAME ?? 'stale-cache-race';
// The analysis reads the finished spans in this process; the same spans go to Jaeger and the console.
const memory = new InMemorySpanExporter();
const tracing = init({ serviceName, exporter: ['console', 'otlp', new SimpleSpanProcessor(memory)] });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

const result = await runRace({
  redis,
  keyPrefix: 'example:stale-cache-race:', // the race clears its keys before it starts
  seed: Number(process.env.RACE_SEED ?? 1),
  updatesPerWorker: Number(process.env.RACE_UPDATES ?? 4),
  concurrency: Number(process.env.RACE_CONCURRENCY ?? 2),
  guard,
  // Run ids unique to this run of the example, so a search by correlation id finds only this run.
  runIdPrefix: `${randomBytes(3).toString('hex')}:`,
});
await redis.quit();
await tracing.forceFlush();

const spans = memory.getFinishedSpans();
const lost = findLostUpdates(spans);
const logged = result.writes.filter((w) => w.previous > w.basedOn).reduce((n, w) => n + (w.previous - w.basedOn), 0);
const caught = spans.flatMap((s) => s.events).filter((e) => e.name === EVENT_STATE_STALE_WRITE).length;

console.log(`\n${result.runs} update runs by two workers on ${result.key}, stale-write guard ${guard ? 'ON' : 'OFF'}`);
console.log(`visits in the cache: ${result.profile.visits} (one per run would be ${result.runs})`);
console.log(`lost updates in the cache's own write log: ${logged}`);
if (guard) console.log(`stale writes caught by the guard (state.stale_write events): ${caught}; every run re-read and retried`);
console.log(`\nfindLostUpdates over the ${spans.length} spans:\n${formatLostUpdates(lost)}`);
await tracing.shutdown();

// Each run, with its links: a step marked state.lost_update wrote over a version it never read; with
// the guard, a step marked state.stale_write (red) caught the race and the run re-read.
const jaeger = jaegerUiUrl();
console.log(`\nThe runs in Jaeger (${jaeger}):`);
const roots = spans.filter((s) => s.parentSpanContext === undefined).sort((a, b) => String(a.attributes['agentrace.correlation_id']).localeCompare(String(b.attributes['agentrace.correlation_id'])));
for (const root of roots) {
  const runId = String(root.attributes['agentrace.correlation_id']);
  const inRun = spans.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
  const marks = [
    inRun.some((s) => s.attributes['state.lost_update'] === true) ? 'wrote over an update it never read' : '',
    inRun.some((s) => s.attributes['state.stale_write'] === true) ? 'stale write caught' : '',
  ].filter(Boolean);
  console.log(`  ${runId}${marks.length > 0 ? `  (${marks.join(', ')})` : ''}`);
  console.log(`    trace:  ${jaegerTraceLink(root.spanContext().traceId, jaeger)}`);
  console.log(`    search: ${jaegerSearchLink({ service: serviceName, tags: { 'agentrace.correlation_id': runId } }, jaeger)}`);
}
console.log(
  `\nThe same analysis from Jaeger: ` +
    `pnpm --filter @agentrace/example-stale-cache-race exec agentrace-lost-updates --service ${serviceName} --limit ${result.runs * 4}`,
);
