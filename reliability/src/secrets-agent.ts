// The agent of the planted-secrets test (reliability/test/planted-secrets-never-reach-jaeger.test.ts):
// one run that leaks every secret of PLANTED_SECRETS through every route an agent has, with every
// capture option of every agentrace package turned on, exported by the real `init` to OTLP_ENDPOINT.
// Run from the repository root: pnpm exec tsx --tsconfig tsconfig.test.json reliability/src/secrets-agent.ts
// Environment: PLANTED_SECRETS (JSON of plantSecrets()), SERVICE_NAME, OTLP_ENDPOINT, BULL_QUEUE, AMQP_QUEUE,
// CORRELATION_ID, REDIS_URL, AMQP_URL. Prints `result <json>` (trace id, steps done, export stats) and exits 0.
import { configureCapture, configureDecorators, traced } from '@agentrace/decorators';
import { bindToEnqueuer } from '@agentrace/instrumentation-queue';
import { recordState, sampleState, verify } from '@agentrace/state';
import { init } from '@agentrace/tracer';
import { context, propagation, trace } from '@opentelemetry/api';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { PlantedSecrets } from './planted-secrets.js';

const env = process.env;
const { secrets: S } = JSON.parse(env.PLANTED_SECRETS!) as PlantedSecrets;
const serviceName = env.SERVICE_NAME!;

// The amqplib consumer below rejects on purpose; the instrumentation passes the rejection on unhandled,
// as amqplib would see it without tracing.
process.on('unhandledRejection', () => {});

const handle = init({
  serviceName,
  endpoint: env.OTLP_ENDPOINT,
  // The export's own credentials: they go to the collector, never into a span.
  headers: { Authorization: `Bearer ${S.exportHeader}` },
  batch: { scheduledDelayMillis: 100 },
  http: {
    // Every credentials header asked for explicitly, plus visible ones to show capture is on.
    requestHeaders: ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-goog-api-key', 'x-auth-token', 'baggage', 'x-request-id'],
    responseHeaders: ['set-cookie', 'x-api-key', 'x-request-id'],
    genAi: true,
    runAttributes: true,
  },
  queues: { bullmq: true, amqplib: true, backlog: false },
});
configureDecorators({ capture: true });
configureCapture({ enabled: true, inputs: true, output: true });

// Loaded after init, with require, so the require hooks instrument them (as the queue package's e2e test does).
const require = createRequire(import.meta.url);
const bullmq = require('bullmq') as typeof import('bullmq');
const amqp = require('amqplib') as typeof import('amqplib');

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('set-cookie', [`session=${S.responseSetCookie}; Path=/; HttpOnly`]);
    res.setHeader('x-api-key', S.headerApiKey);
    res.setHeader('x-request-id', 'visible-response-id');
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const origin = `http://127.0.0.1:${port}`;

// Decorated steps: arguments and results captured.
const lookupAccount = traced('lookup_account', async (request: { user: string; apiKey: string }, password: string, options: unknown, list: unknown) => {
  void request;
  void password;
  void options;
  void list;
  return { user: 'u1', accessToken: S.resultAccessToken, note: `set-cookie: session=${S.resultCookieText}; Path=/` };
});
const composePrompt = traced('compose_prompt', async (header: string, instructions: string, webhook: string) => `${header.length + instructions.length + webhook.length}`);
const getWeather = traced('get_weather', async (args: { city: string; client_secret: string }) => ({ city: args.city, tempC: 21 }), { type: 'tool' });
const callUpstream = traced('call_upstream', async () => {
  throw new Error(`upstream answered 401 to Authorization: Bearer ${S.errorBearer}`);
});
const callPartner = traced('call_partner', async () => {
  throw new Error(`partner refused the request with x-api-key=${S.errorApiKeyPair}`);
});

function nodeGet(url: string, headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
}

const bullQueue = env.BULL_QUEUE!;
const bullPrefix = `agentrace-${bullQueue}`;
const amqpQueue = env.AMQP_QUEUE!;
const redisUrl = new URL(env.REDIS_URL || 'redis://127.0.0.1:6379');
const redis = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379), maxRetriesPerRequest: null };
const queue = new bullmq.Queue(bullQueue, { connection: redis, prefix: bullPrefix });
let bullFailed!: () => void;
const bullDone = new Promise<void>((resolve) => (bullFailed = resolve));
const worker = new bullmq.Worker(
  bullQueue,
  async () => {
    throw new Error(`sync refused: token=${S.bullError}`);
  },
  { connection: redis, prefix: bullPrefix },
);
worker.on('failed', () => bullFailed());
worker.on('error', () => {});

const connection = await amqp.connect(env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672');
const channel = await connection.createChannel();
await channel.assertQueue(amqpQueue, { autoDelete: false });
let amqpHandled!: () => void;
const amqpDone = new Promise<void>((resolve) => (amqpHandled = resolve));
await channel.consume(amqpQueue, async (msg) => {
  if (!msg) return;
  channel.ack(msg);
  setImmediate(amqpHandled);
  throw new Error(`handler failed with Authorization: Bearer ${S.amqpError}`);
});
await worker.waitUntilReady();

const traceIds: string[] = [];
const steps: string[] = [];

const agentRun = traced(
  'secrets_agent',
  async (input: { correlationId: string; apiKey: string; user: string }) => {
    traceIds.push(trace.getActiveSpan()!.spanContext().traceId);
    await lookupAccount(
      { user: input.user, apiKey: S.argApiKey },
      S.argPassword,
      { config: { keys: [{ privateKey: S.argNestedPrivateKey }] } },
      [{ token: S.argArrayToken }],
    );
    await composePrompt(`Authorization: Bearer ${S.argBearerText}`, `use sk-proj-${S.argOpenAiKey}`, `https://bot:${S.argUrlPassword}@hooks.example.com/post`);
    await getWeather({ city: 'Lyon', client_secret: S.toolClientSecret });
    await callUpstream().catch(() => steps.push('upstream failed'));
    await callPartner().catch(() => steps.push('partner failed'));

    // HTTP: credentials headers, signed and keyed query parameters, baggage, a password in the URL.
    const query = [
      `X-Amz-Signature=${S.queryAmzSignature}`,
      `sig=${S.querySig}`,
      `token=${S.queryToken}`,
      `api_key=${S.queryApiKey}`,
      `apikey=${S.queryApikey}`,
      `key=${S.queryKey}`,
      `access_token=${S.queryAccessToken}`,
      `client_secret=${S.queryClientSecret}`,
      'page=2',
    ].join('&');
    const bag = (propagation.getBaggage(context.active()) ?? propagation.createBaggage()).setEntry('auth_token', { value: S.baggageToken });
    await context.with(propagation.setBaggage(context.active(), bag), async () => {
      const response = await fetch(`${origin}/v1/data?${query}`, {
        headers: {
          authorization: `Bearer ${S.headerAuthorization}`,
          cookie: `sid=${S.headerCookie}; theme=dark`,
          'x-api-key': S.headerApiKey,
          'proxy-authorization': `Basic ${S.headerProxyAuthorization}`,
          'x-goog-api-key': S.headerGoogApiKey,
          'x-auth-token': S.headerAuthToken,
          'x-request-id': 'visible-request-id',
        },
      });
      await response.text();
    });
    await nodeGet(`http://agent:${S.urlPassword}@127.0.0.1:${port}/login`, { 'x-request-id': 'visible-request-id' });
    await nodeGet(`${origin}/invite/${S.urlPathToken}`, { 'x-request-id': 'visible-request-id' });
    steps.push('http');

    // The app's own attributes, events and exceptions, set on the span directly.
    const span = trace.getActiveSpan()!;
    span.setAttribute('app.upstream_auth', `Bearer ${S.userAttrBearer}`);
    span.setAttribute('db.connection_password', S.userAttrPassword);
    span.addEvent('login', { 'app.session_token': S.userEventToken, 'app.user': 'u1' });
    span.recordException(new Error(`upstream refused api_key=${S.userException}`));
    span.setAttribute('app.callback', `https://app.example.com/reset-password/${S.userAttrUrlPath}`);

    // State snapshots with secrets under every usual key, nested and in arrays.
    recordState('session', {
      user: 'u1',
      password: S.statePassword,
      apiKey: S.stateApiKey,
      token: S.stateToken,
      secret: S.stateSecret,
      authorization: S.stateAuthorization,
      cookie: S.stateCookie,
      privateKey: S.statePrivateKey,
      accounts: [{ name: 'main', settings: { client_secret: S.stateNestedArray } }],
    });
    sampleState('poller', () => ({ polls: 1, token: S.sampledToken }), { intervalMs: 60_000 }).stop();
    try {
      verify('token-stored', () => {
        throw new Error(`read-back failed: Authorization: Bearer ${S.verifyError}`);
      });
    } catch {
      steps.push('verify failed');
    }

    // Queues: payloads and headers carrying secrets, consumers failing with secrets in the error.
    await queue.add('sync', { user: 'u1', apiKey: S.bullPayload }, { attempts: 1, removeOnComplete: true, removeOnFail: true });
    channel.sendToQueue(amqpQueue, Buffer.from(JSON.stringify({ user: 'u1' })), { headers: { authorization: S.amqpHeader, 'x-request-id': 'visible' } });
    const task = bindToEnqueuer(
      async () => {
        throw new Error(`job rejected, password: ${S.inProcessError}`);
      },
      { destination: 'jobs' },
    );
    await task().catch(() => steps.push('in-process failed'));
    await Promise.all([bullDone, amqpDone]);
    steps.push('queues');
    return { done: true };
  },
  { type: 'run', agent: 'secrets-agent' },
);

await agentRun({ correlationId: env.CORRELATION_ID!, apiKey: S.argApiKey, user: 'u1' });
// Let the failed deliveries' spans end (they end after the handler settles).
await new Promise((resolve) => setTimeout(resolve, 200));

await worker.close();
await queue.obliterate({ force: true });
await queue.close();
await channel.deleteQueue(amqpQueue);
await connection.close();
await new Promise((resolve) => server.close(resolve));
await handle.shutdown();
process.stdout.write(`result ${JSON.stringify({ traceIds, steps, stats: handle.stats() })}\n`);
process.exit(0);
