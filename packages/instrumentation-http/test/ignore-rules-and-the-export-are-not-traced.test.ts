import { instrumentHttp, type HttpInstrumentationHandle } from '@agentrace/instrumentation-http';
import { otlpTracesEndpoint, setupTracing, type TestTracing } from '@agentrace/testing';
import { SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { get, type ClientName } from './utils/clients.js';
import { startTestServer } from './utils/server.js';

let tracing: TestTracing;
let handle: HttpInstrumentationHandle;
let server: Awaited<ReturnType<typeof startTestServer>>;
const exportUrl = otlpTracesEndpoint();

beforeAll(async () => {
  // The real export path: OTLP over node:http to the running Jaeger, next to the in-memory copy.
  tracing = setupTracing({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: exportUrl }))] });
  server = await startTestServer();
  handle = instrumentHttp({
    server: false,
    exporterUrl: exportUrl,
    ignoreOutgoing: [`${server.origin}/prefix-ignored`, /\/regex-ignored\b/, ({ url, method }) => method === 'GET' && url.endsWith('/predicate-ignored')],
  });
});
afterAll(async () => {
  handle.disable();
  await server.close();
  await tracing.shutdown();
});
beforeEach(() => tracing.reset());

const clientSpans = () => tracing.spans().filter((s) => s.kind === SpanKind.CLIENT);

describe.each<ClientName>(['fetch', 'undici', 'node:http'])('%s', (client) => {
  it.each(['/prefix-ignored/a', '/x/regex-ignored', '/predicate-ignored'])('%s is sent but not traced', async (path) => {
    const res = await get(client, `${server.origin}${path}`);
    expect(res.status).toBe(200);
    expect(server.seen.at(-1)!.url).toBe(path);
    expect(server.seen.at(-1)!.headers.traceparent).toBeUndefined();
    await get(client, `${server.origin}/status/200`); // a traced one, so the check above is not vacuous
    expect(clientSpans().map((s) => s.attributes['url.full'])).toEqual([`${server.origin}/status/200`]);
  });
});

it('the OTLP export to Jaeger makes no span (it runs under suppressTracing)', async () => {
  trace.getTracer('test').startSpan('something to export').end();
  await tracing.provider.forceFlush(); // a real POST to Jaeger's /v1/traces through node:http
  await get('fetch', `${server.origin}/status/200`);
  await tracing.provider.forceFlush();
  expect(clientSpans().map((s) => s.attributes['url.full'])).toEqual([`${server.origin}/status/200`]);
});

it('a request to the exporter URL made outside the exporter is not traced either', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(exportUrl, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('{"resourceSpans":[]}');
  });
  expect(status).toBe(200);
  expect(clientSpans()).toHaveLength(0);
});
