// Issue 8, secrets: an agent run with every capture option of every package turned on plants a fresh
// random secret in each way an agent leaks credentials (reliability/src/secrets-agent.ts, a child
// process with the real `init` exporting to the real Jaeger). What Jaeger stored for the service is
// then searched, as the exact JSON text its API answers: no secret (nor its base64 form, nor the run's
// nonce) anywhere, and a redaction marker where each captured one was.
import { randomBytes } from 'node:crypto';
import type { JaegerSpan, JaegerTrace } from '@agentrace/core/jaeger';
import { jaegerQueryUrl, otlpTracesEndpoint } from '@agentrace/testing';
import { describe, expect, it } from 'vitest';
import { fetchServiceTraces, findLeaks, plantSecrets, SECRET_CHANNELS, tagText } from '../src/planted-secrets.js';
import { runAgentScript } from './utils/run-agent.js';

function spanCount(traces: readonly JaegerTrace[]): number {
  return traces.reduce((n, t) => n + t.spans.length, 0);
}

function logText(span: JaegerSpan, key: string): string {
  return (span.logs ?? [])
    .flatMap((log) => log.fields)
    .filter((f) => f.key === key)
    .map((f) => String(f.value))
    .join('\n');
}

describe('planted secrets', () => {
  it('no planted secret reaches Jaeger, and each captured one shows a redaction marker', async () => {
    const planted = plantSecrets();
    const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const service = `reliability-secrets-${id}`;
    const bullQueue = `secrets-${id}`;
    const amqpQueue = `agentrace-secrets-${id}`;
    const agent = await runAgentScript(
      'secrets-agent.ts',
      {
        PLANTED_SECRETS: JSON.stringify(planted),
        SERVICE_NAME: service,
        OTLP_ENDPOINT: otlpTracesEndpoint(),
        BULL_QUEUE: bullQueue,
        AMQP_QUEUE: amqpQueue,
        CORRELATION_ID: `secrets-${id}`,
      },
      40_000,
    );
    expect(agent.code, agent.stderr).toBe(0);
    const result = JSON.parse(agent.stdout.split('\n').find((l) => l.startsWith('result '))!.slice(7)) as {
      traceIds: string[];
      steps: string[];
      stats: { exported: number; dropped: { total: number } };
    };
    expect(result.steps).toEqual(['upstream failed', 'partner failed', 'http', 'verify failed', 'in-process failed', 'queues']);
    expect(result.stats.dropped.total).toBe(0);

    // Every exported span is in Jaeger (so an empty answer cannot pass for "nothing leaked").
    const expectedNames = [
      'invoke_agent secrets-agent',
      'lookup_account',
      'compose_prompt',
      'execute_tool get_weather',
      'call_upstream',
      'call_partner',
      'GET', // fetch client
      'GET', // node:http client, password in the URL
      'GET', // server of the fetch
      'GET', // server of the node:http request
      'GET', // node:http client, token in the URL path
      'GET', // its server
      'verify token-stored',
      `send ${bullQueue}`,
      `process ${bullQueue}`,
      `publish ${amqpQueue}`,
      `process ${amqpQueue}`,
      'process jobs',
    ];
    expect(result.stats.exported).toBe(expectedNames.length);
    let stored = await fetchServiceTraces(jaegerQueryUrl(), service);
    for (let delay = 100; spanCount(stored.traces) < expectedNames.length && delay < 30_000; delay *= 1.5) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      stored = await fetchServiceTraces(jaegerQueryUrl(), service);
    }
    const { traces, text } = stored;
    const spans = traces.flatMap((t) => t.spans);
    expect(spans.map((s) => s.operationName).sort()).toEqual([...expectedNames].sort());
    expect(traces.map((t) => t.traceID.padStart(32, '0'))).toEqual(result.traceIds);

    // Nothing leaked: not in a tag, event field, operation name or process tag, not in any encoding
    // checked, not even a fragment holding the nonce. Nor in the agent's own diagnostics.
    expect(findLeaks(text, planted)).toEqual([]);
    expect(findLeaks(agent.stdout + agent.stderr, planted)).toEqual([]);
    expect(Object.keys(planted.secrets)).toEqual([...SECRET_CHANNELS]);

    // Captured, then redacted: the marker stands where each secret was.
    const one = (name: string, where?: (s: JaegerSpan) => boolean): JaegerSpan => {
      const found = spans.filter((s) => s.operationName === name && (where === undefined || where(s)));
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    const lookup = one('lookup_account');
    expect(tagText(lookup.tags, 'agentrace.input')).toBe(
      '{"request":{"user":"u1","apiKey":"REDACTED"},"password":"REDACTED","options":{"config":{"keys":[{"privateKey":"REDACTED"}]}},"list":[{"token":"REDACTED"}]}',
    );
    expect(tagText(lookup.tags, 'agentrace.output')).toBe('{"user":"u1","accessToken":"REDACTED","note":"set-cookie: REDACTED; Path=/"}');
    expect(tagText(one('compose_prompt').tags, 'agentrace.input')).toBe(
      '{"header":"Authorization: Bearer REDACTED","instructions":"use sk-proj-REDACTED","webhook":"https://bot:REDACTED@hooks.example.com/post"}',
    );
    expect(tagText(one('execute_tool get_weather').tags, 'gen_ai.tool.call.arguments')).toBe('{"args":{"city":"Lyon","client_secret":"REDACTED"}}');
    const root = one('invoke_agent secrets-agent');
    expect(tagText(root.tags, 'agentrace.input')).toContain('"apiKey":"REDACTED"');
    const snapshots = logText(root, 'state.value');
    for (const key of ['password', 'apiKey', 'token', 'secret', 'authorization', 'cookie', 'privateKey', 'client_secret']) {
      expect(snapshots).toContain(`"${key}":"REDACTED"`);
    }
    expect(snapshots).toContain('{"polls":1,"token":"REDACTED"}');

    // Failures: exception event (message and stack), status message and failure reason, all masked.
    const failures: [JaegerSpan, string][] = [
      [one('call_upstream'), 'Authorization: Bearer REDACTED'],
      [one('call_partner'), 'x-api-key=REDACTED'],
      [one('verify token-stored'), 'Authorization: Bearer REDACTED'],
      [one(`process ${bullQueue}`), 'token=REDACTED'],
      [one(`process ${amqpQueue}`), 'Authorization: Bearer REDACTED'],
      [one('process jobs'), 'password: REDACTED'],
    ];
    for (const [span, marker] of failures) {
      expect(logText(span, 'exception.message'), span.operationName).toContain(marker);
      expect(logText(span, 'exception.stacktrace'), span.operationName).toContain(marker);
      expect(tagText(span.tags, 'otel.status_description'), span.operationName).toContain(marker);
    }
    for (const span of failures.slice(3).map(([s]) => s)) {
      expect(tagText(span.tags, 'agentrace.messaging.failure_reason')).toContain('REDACTED');
    }

    // HTTP: secret query values REDACTED in url.full (client) and url.query (server); user:password too.
    const signedQuery =
      'X-Amz-Signature=REDACTED&sig=REDACTED&token=REDACTED&api_key=REDACTED&apikey=REDACTED&key=REDACTED&access_token=REDACTED&client_secret=REDACTED&page=2';
    const fetchClient = one('GET', (s) => tagText(s.tags, 'url.full')?.includes('/v1/data') === true);
    expect(tagText(fetchClient.tags, 'url.full')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/v1/data\\?${signedQuery.replace(/[?&[\]]/g, '\\$&')}$`));
    const dataServer = one('GET', (s) => tagText(s.tags, 'url.path') === '/v1/data');
    expect(tagText(dataServer.tags, 'url.query')).toBe(signedQuery);
    expect(tagText(one('GET', (s) => tagText(s.tags, 'url.full')?.includes('/login') === true).tags, 'url.full')).toMatch(
      /^http:\/\/REDACTED:REDACTED@127\.0\.0\.1:\d+\/login$/,
    );
    // Headers: capture was on (the visible ones are there, baggage masked), the credentials ones never recorded.
    expect(tagText(dataServer.tags, 'http.request.header.baggage')).toBe(`["agentrace.correlation_id=secrets-${id},auth_token=REDACTED"]`);
    for (const span of spans.filter((s) => s.operationName === 'GET')) {
      expect(tagText(span.tags, 'http.request.header.x-request-id')).toBe('["visible-request-id"]');
      expect(tagText(span.tags, 'http.response.header.x-request-id')).toBe('["visible-response-id"]');
      const headerKeys = (span.tags ?? []).map((t) => t.key).filter((k) => k.startsWith('http.request.header.') || k.startsWith('http.response.header.'));
      expect(headerKeys.join(' ')).not.toMatch(/authorization|cookie|api-key|auth-token/);
    }
    // A token in a URL path (agentrace's own HTTP spans), masked by the tracer's redaction step.
    const invite = one('GET', (s) => tagText(s.tags, 'url.path') === '/invite/REDACTED');
    expect(tagText(invite.tags, 'url.path')).toBe('/invite/REDACTED');
    expect(tagText(one('GET', (s) => tagText(s.tags, 'url.full')?.includes('/invite/') === true).tags, 'url.full')).toMatch(/\/invite\/REDACTED$/);

    // What the app's own code set straight on a span: attributes, an event, an exception.
    expect(tagText(root.tags, 'app.upstream_auth')).toBe('Bearer REDACTED');
    expect(tagText(root.tags, 'db.connection_password')).toBe('REDACTED');
    expect(tagText(root.tags, 'app.callback')).toBe('https://app.example.com/reset-password/REDACTED');
    expect(logText(root, 'app.session_token')).toBe('REDACTED');
    expect(logText(root, 'app.user')).toBe('u1');
    expect(logText(root, 'exception.message')).toContain('api_key=REDACTED');

    // The official @opentelemetry/instrumentation-http, through the real init: its spans pass the same step.
    const officialService = `${service}-official`;
    const official = await runAgentScript('secrets-official-agent.ts', { PLANTED_SECRETS: JSON.stringify(planted), SERVICE_NAME: officialService, OTLP_ENDPOINT: otlpTracesEndpoint() }, 40_000);
    expect(official.code, official.stderr).toBe(0);
    let officialStored = await fetchServiceTraces(jaegerQueryUrl(), officialService);
    for (let delay = 100; spanCount(officialStored.traces) < 3 && delay < 30_000; delay *= 1.5) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      officialStored = await fetchServiceTraces(jaegerQueryUrl(), officialService);
    }
    const officialSpans = officialStored.traces.flatMap((t) => t.spans);
    expect(officialSpans.map((s) => tagText(s.tags, 'otel.scope.name') ?? tagText(s.tags, 'otel.library.name'))).toContain('@opentelemetry/instrumentation-http');
    expect(findLeaks(officialStored.text, planted)).toEqual([]);
    expect(findLeaks(official.stdout + official.stderr, planted)).toEqual([]);
    const officialTags = officialSpans.flatMap((s) => s.tags ?? []);
    const tag = (key: string): string[] => officialTags.filter((t) => t.key === key).map((t) => String(t.value));
    expect(tag('url.full')).toEqual([expect.stringMatching(/\/magic-link\/REDACTED\?sig=REDACTED&key=REDACTED&page=2$/)]);
    expect(tag('url.path')).toEqual(['/magic-link/REDACTED']);
    expect(tag('url.query')).toEqual(['sig=REDACTED&key=REDACTED&page=2']);
    expect(tag('app.webhook')).toEqual(['https://hooks.slack.com/services/REDACTED']);
  }, 90_000);
});
