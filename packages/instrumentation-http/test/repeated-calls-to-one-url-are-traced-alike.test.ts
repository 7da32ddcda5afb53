// What a URL says about a request (redacted url.full, address, port, exporter match, model API) is
// worked out once per URL and reused; these check that reuse never changes a span, and that what
// is not a property of the URL alone (user ignore predicates, credentials given apart from the URL,
// the response) is still decided per request.
import { instrumentHttp, type HttpInstrumentationHandle } from '@agentrace/instrumentation-http';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { get, type ClientName } from './utils/clients.js';
import { startTestServer } from './utils/server.js';

let tracing: TestTracing;
let handle: HttpInstrumentationHandle;
let server: Awaited<ReturnType<typeof startTestServer>>;
let flip = 0;

beforeAll(async () => {
  tracing = setupTracing();
  server = await startTestServer({
    '/capital-length': (_req, res) => {
      // rawHeaders keep the case the server wrote.
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '5' });
      res.end('hello');
    },
  });
  handle = instrumentHttp({
    server: false,
    // Ignores every other call to the same URL: a predicate's answer must not be cached.
    ignoreOutgoing: [({ url }) => url.endsWith('/flip') && flip++ % 2 === 0],
  });
});
afterAll(async () => {
  handle.disable();
  await server.close();
  await tracing.shutdown();
});
beforeEach(() => {
  tracing.reset();
  flip = 0;
});

const clientSpans = (): ReadableSpan[] => tracing.spans().filter((s) => s.kind === SpanKind.CLIENT);

describe.each<ClientName>(['fetch', 'undici', 'node:http'])('%s', (client) => {
  it('three calls to one URL make three spans with the same URL attributes and their own response', async () => {
    const agent = new http.Agent({ keepAlive: true });
    for (const code of [200, 200, 404]) await get(client, `${server.origin}/status/${code}?page=1&api_key=s3cr3t`, { agent });
    agent.destroy();
    await vi.waitFor(() => expect(clientSpans()).toHaveLength(3));
    const spans = clientSpans();
    for (const [i, span] of spans.entries()) {
      const code = i < 2 ? 200 : 404;
      expect(span.attributes).toMatchObject({
        'url.full': `${server.origin}/status/${code}?page=1&api_key=REDACTED`,
        'server.address': '127.0.0.1',
        'server.port': server.port,
        'http.response.status_code': code,
        'http.response.body.size': Buffer.byteLength(`status ${code}`),
        'network.protocol.version': '1.1',
      });
    }
    expect(new Set(spans.map((s) => s.spanContext().spanId)).size).toBe(3);
  });

  it('an ignore predicate is asked on every request, even for a URL seen before', async () => {
    for (let i = 0; i < 4; i++) await get(client, `${server.origin}/flip`);
    await vi.waitFor(() => expect(clientSpans()).toHaveLength(2));
    expect(flip).toBe(4);
    // The ignored ones carried no traceparent, the traced ones did.
    const sent = server.seen.filter((r) => r.url === '/flip').slice(-4);
    expect(sent.map((r) => r.headers.traceparent !== undefined)).toEqual([false, true, false, true]);
  });

  it('content-length is read whatever its case', async () => {
    const res = await get(client, `${server.origin}/capital-length`);
    expect(res.body).toBe('hello');
    await vi.waitFor(() => expect(clientSpans()).toHaveLength(1));
    expect(clientSpans()[0]!.attributes['http.response.body.size']).toBe(5);
  });

  it('more distinct URLs than the cache holds are all traced with their own url.full', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const n = 600;
    await Promise.all(Array.from({ length: n }, (_, i) => get(client, `${server.origin}/status/200?i=${i}`, { agent })));
    agent.destroy();
    await vi.waitFor(() => expect(clientSpans()).toHaveLength(n));
    const urls = new Set(clientSpans().map((s) => s.attributes['url.full']));
    expect(urls.size).toBe(n);
    expect(urls.has(`${server.origin}/status/200?i=0`)).toBe(true);
    expect(urls.has(`${server.origin}/status/200?i=${n - 1}`)).toBe(true);
  });
});

it('node:http: credentials given in options are redacted even when the same URL was called without them', async () => {
  const call = (auth?: string) =>
    new Promise<void>((resolve, reject) => {
      http
        .get(`${server.origin}/status/200`, { auth }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  await call();
  await call('user:password');
  await vi.waitFor(() => expect(clientSpans()).toHaveLength(2));
  expect(clientSpans().map((s) => s.attributes['url.full'])).toEqual([
    `${server.origin}/status/200`,
    `http://REDACTED:REDACTED@127.0.0.1:${server.port}/status/200`,
  ]);
});

it('node:http: the app still reads every response header after the span read content-length', async () => {
  const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
    http
      .get(`${server.origin}/capital-length`, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers));
      })
      .on('error', reject);
  });
  expect(headers).toMatchObject({ 'content-type': 'text/plain', 'content-length': '5' });
});

it('undici: a timeout after the request went out still records the protocol version', async () => {
  const error = await get('undici', `${server.origin}/slow`, { signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
  expect(error).toBeDefined();
  await vi.waitFor(() => expect(clientSpans()).toHaveLength(1));
  const span = clientSpans()[0]!;
  expect(span.attributes['error.type']).toBeDefined();
  expect(span.attributes['network.protocol.version']).toBe('1.1');
});
