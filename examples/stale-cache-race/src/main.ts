// The stale-cache race: two workers update the same cached profile in Redis, several runs each at
// once. Run as is to see updates lost and findLostUpdates name them; run with --guard (or
// STALE_WRITE_GUARD=1) to see the stale-write guard catch every race as it happens instead.
import { EVENT_STATE_STALE_WRITE, findLostUpdates, formatLostUpdates } from '@agentrace/state';
import { init } from '@agentrace/tracer';
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
console.log(
  `\nIn Jaeger (http://localhost:16686), service "${serviceName}": search for tag ` +
    `agentrace.correlation_id=<a run named above>. The same analysis from Jaeger: ` +
    `pnpm --filter @agentrace/example-stale-cache-race exec agentrace-lost-updates --service ${serviceName} --limit ${result.runs * 4}`,
);
