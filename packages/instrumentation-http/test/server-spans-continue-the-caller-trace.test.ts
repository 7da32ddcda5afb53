import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it, vi } from 'vitest';
import { get, type ClientName } from './utils/clients.js';
import { startInstrumentedServer } from './utils/instrumented-server.js';

const { tracing, server } = await startInstrumentedServer({ ignoreIncoming: ['/health'] }, {
  // Spans made in body and finish callbacks must still be children of the SERVER span.
  '/work': (req, res) => {
    req.resume();
    req.on('end', () => {
      trace.getTracer('handler').startSpan('handler-work').end();
      res.on('finish', () => trace.getTracer('handler').startSpan('after-finish').end());
      res.end('done');
    });
  },
  '/health': (_req, res) => res.end('fine'),
});

const ofKind = (kind: SpanKind): ReadableSpan[] => tracing.spans().filter((s) => s.kind === kind);
const named = (name: string): ReadableSpan => tracing.spans().find((s) => s.name === name)!;

describe.each<ClientName>(['fetch', 'undici', 'node:http'])('called with %s', (client) => {
  it('the SERVER span is the child of the CLIENT span, handler spans its children', async () => {
    const run = trace.getTracer('test').startSpan('run');
    await context.with(trace.setSpan(context.active(), run), () => get(client, `${server.origin}/work?sig=secret&q=1`));
    run.end();
    await vi.waitFor(() => expect(tracing.spans().filter((s) => s.name === 'after-finish')).toHaveLength(1));
    const [clientSpan] = ofKind(SpanKind.CLIENT);
    const [serverSpan] = ofKind(SpanKind.SERVER);
    expect(clientSpan!.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(serverSpan!.spanContext().traceId).toBe(run.spanContext().traceId);
    expect(serverSpan!.parentSpanContext?.spanId).toBe(clientSpan!.spanContext().spanId);
    expect(named('handler-work').parentSpanContext?.spanId).toBe(serverSpan!.spanContext().spanId);
    expect(named('after-finish').parentSpanContext?.spanId).toBe(serverSpan!.spanContext().spanId);
    expect(serverSpan!.name).toBe('GET');
    expect(serverSpan!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/work',
      'url.query': 'sig=REDACTED&q=1',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'client.address': '127.0.0.1',
      'http.response.status_code': 200,
      'network.protocol.version': '1.1',
    });
  });
});

it('a request without traceparent starts a new trace (a webhook)', async () => {
  await get('node:http', `${server.origin}/status/200`);
  await vi.waitFor(() => expect(ofKind(SpanKind.SERVER)).toHaveLength(1));
  const [serverSpan] = ofKind(SpanKind.SERVER);
  const [clientSpan] = ofKind(SpanKind.CLIENT);
  // The client call had no active span: its CLIENT span is a root, the SERVER span its child.
  expect(clientSpan!.parentSpanContext).toBeUndefined();
  expect(serverSpan!.parentSpanContext?.spanId).toBe(clientSpan!.spanContext().spanId);
});

it('5xx is an ERROR on the server, 4xx is not', async () => {
  await get('fetch', `${server.origin}/status/503`);
  await get('fetch', `${server.origin}/status/404`);
  await vi.waitFor(() => expect(ofKind(SpanKind.SERVER)).toHaveLength(2));
  const byStatus = new Map(ofKind(SpanKind.SERVER).map((s) => [s.attributes['http.response.status_code'], s]));
  expect(byStatus.get(503)!.status.code).toBe(SpanStatusCode.ERROR);
  expect(byStatus.get(503)!.attributes['error.type']).toBe('503');
  expect(byStatus.get(404)!.status.code).toBe(SpanStatusCode.UNSET);
});

it('ignored incoming paths make no SERVER span', async () => {
  const res = await get('fetch', `${server.origin}/health`);
  expect(res.body).toBe('fine');
  await vi.waitFor(() => expect(ofKind(SpanKind.CLIENT)).toHaveLength(1));
  expect(ofKind(SpanKind.SERVER)).toHaveLength(0);
});

describe.each<ClientName>(['fetch', 'undici', 'node:http'])('baggage with %s', (client) => {
  it('carries the correlation id to the service called', async () => {
    const bag = propagation.createBaggage({ 'agentrace.correlation_id': { value: 'corr-42' } });
    await context.with(propagation.setBaggage(context.active(), bag), () => get(client, `${server.origin}/status/200`));
    expect(server.seen.at(-1)!.headers.baggage).toContain('agentrace.correlation_id=corr-42');
  });
});
