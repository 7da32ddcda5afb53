// The second agent of the planted-secrets test: HTTP traced by the official
// @opentelemetry/instrumentation-http instead of agentrace's, through the real `init`. What that
// instrumentation writes (url.full / http.url, http.target, url.path) and what the app sets itself
// reaches Jaeger only through the tracer's redaction step. Environment: PLANTED_SECRETS,
// SERVICE_NAME, OTLP_ENDPOINT. Prints `result <json>` and exits 0.
import { traced } from '@agentrace/decorators';
import { init } from '@agentrace/tracer';
import { trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { PlantedSecrets } from './planted-secrets.js';

const env = process.env;
const { secrets: S } = JSON.parse(env.PLANTED_SECRETS!) as PlantedSecrets;
const handle = init({
  serviceName: env.SERVICE_NAME!,
  endpoint: env.OTLP_ENDPOINT,
  batch: { scheduledDelayMillis: 100 },
  instrumentations: [new HttpInstrumentation()],
});
// Required after init, so the official instrumentation's require hook patches it.
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;

const run = traced(
  'official_http',
  async () => {
    trace.getActiveSpan()!.setAttribute('app.webhook', `https://hooks.slack.com/services/T0000/B0000/${S.officialUserAttr}`);
    await new Promise<void>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/magic-link/${S.officialPathToken}?sig=${S.officialQuerySig}&key=${S.officialQueryKey}&page=2`, (res) => res.resume().on('end', resolve))
        .on('error', reject);
    });
  },
  { type: 'run' },
);
await run();
await new Promise((resolve) => server.close(resolve));
await handle.shutdown();
process.stdout.write(`result ${JSON.stringify({ stats: handle.stats() })}\n`);
process.exit(0);
