// Three update requests at once. Services B and C run as separate processes; C rejects the profile
// of user u-2, so request req-2 fails, and its trace shows where: in service C's `apply profile`.
import { randomBytes } from 'node:crypto';
import { init, jaegerSearchLink, jaegerTraceLink, jaegerUiUrl } from '@agentrace/tracer';
import { Redis } from 'ioredis';
import { ProfileSyncAgent, type UpdateRequest } from './agent.js';
import { startProfileApi, type Profile } from './profile-api.js';
import { startService } from './services.js';

const serviceName = process.env.OTEL_SERVICE_NAME ?? 'profile-sync';
const failUser = process.env.FAIL_USER ?? 'u-2';
// The profile API runs in this process: its caller (the agent, on loopback) is trusted with the run's identity.
const tracing = init({ serviceName, exporter: ['console', 'otlp'], http: { trustedCallers: ['127.0.0.1', '::1'] } });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

const profiles = new Map<string, Profile>(
  ['Ada', 'Grace', 'Edsger'].map((name, i) => [`u-${i + 1}`, { userId: `u-${i + 1}`, name, email: `${name.toLowerCase()}@example.com`, plan: 'free' }]),
);
const api = await startProfileApi(profiles);
const [b, c] = await Promise.all([
  startService('B', { serviceName: `${serviceName}-b` }),
  startService('C', { serviceName: `${serviceName}-c`, failUser }),
]);

const syncAgent = new ProfileSyncAgent({
  redis,
  keyPrefix: process.env.PROFILE_SYNC_REDIS_PREFIX ?? 'example:profile-sync:',
  profileApiUrl: api.url,
  targets: [b!, c!],
});
// Request ids unique to this run of the example, so a search by correlation id finds only this run.
const batch = randomBytes(3).toString('hex');
const requests: UpdateRequest[] = [...profiles.keys()].map((userId, i) => ({ requestId: `req-${batch}-${i + 1}`, userId, patch: { plan: 'pro' } }));
const results = await Promise.allSettled(requests.map((request) => syncAgent.handle(request)));

await Promise.all([b!.stop(), c!.stop(), api.close()]);
await redis.quit();
await tracing.shutdown();

const jaeger = jaegerUiUrl();
console.log('\nUpdate requests:');
for (const [i, r] of results.entries()) {
  const request = requests[i]!;
  const outcome = r.status === 'fulfilled' ? `synced, version ${r.value.version}` : `FAILED: ${(r.reason as Error).message}`;
  const traceId = syncAgent.traceIds.get(request.requestId);
  console.log(`${request.requestId} ${request.userId}: ${outcome}; trace ${traceId ?? '(none)'}`);
  if (traceId !== undefined) console.log(`  trace:  ${jaegerTraceLink(traceId, jaeger)}`);
  console.log(`  search: ${jaegerSearchLink({ service: serviceName, tags: { 'agentrace.correlation_id': request.requestId } }, jaeger)}`);
}
console.log(
  `\nIn Jaeger (${jaeger}): one trace per request, spanning "${serviceName}", "${serviceName}-b" and ` +
    `"${serviceName}-c"; the trace of the request for ${failUser} is in error, and its exception is on service C's "apply profile".`,
);
