import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it, vi } from 'vitest';
import { get, getStreamed, type ClientName } from './utils/clients.js';
import { startInstrumentedServer } from './utils/instrumented-server.js';
import { closedPort, parseTraceparent } from './utils/server.js';

const { tracing, server } = await startInstrumentedServer({ server: false });

const clientSpans = (): ReadableSpan[] => tracing.spans().filter((s) => s.kind === SpanKind.CLIENT);

async function oneClientSpan(): Promise<ReadableSpan> {
  await vi.waitFor(() => expect(clientSpans()).toHaveLength(1));
  return clientSpans()[0]!;
}

/** Runs `fn` inside a parent span, as an agent step would. */
async function inRun<T>(fn: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; runSpanId: string; traceId: string }> {
  const run = trace.getTracer('test').startSpan('run');
  let result: T | undefined;
  let error: unknown;
  try {
    result = await context.with(trace.setSpan(context.active(), run), fn);
  } catch (e) {
    error = e;
  }
  run.end();
  return { result, error, runSpanId: run.spanContext().spanId, traceId: run.spanContext().traceId };
}

describe.each<ClientName>(['fetch', 'undici', 'node:http'])('%s', (client) => {
  it('200: a CLIENT span under the caller, and the server sees its traceparent', async () => {
    const { result, runSpanId, traceId } = await inRun(() => get(client, `${server.origin}/status/200?page=2`));
    expect(result).toEqual({ status: 200, body: 'status 200' });
    const span = await oneClientSpan();
    expect(span.name).toBe('GET');
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(runSpanId);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': `${server.origin}/status/200?page=2`,
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'http.response.status_code': 200,
      'network.protocol.version': '1.1',
      'http.response.body.size': 10,
    });
    const seen = server.seen.at(-1)!;
    expect(parseTraceparent(seen.headers.traceparent)).toEqual({ traceId, spanId: span.spanContext().spanId });
  });

  it.each([404, 500])('%i: ERROR with error.type', async (code) => {
    const { result } = await inRun(() => get(client, `${server.origin}/status/${code}`));
    expect(result?.status).toBe(code);
    const span = await oneClientSpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe(String(code));
    expect(span.attributes['http.response.status_code']).toBe(code);
  });

  it('connection refused: ERROR with the error code, the same error reaches the caller', async () => {
    const port = await closedPort();
    const { error } = await inRun(() => get(client, `http://127.0.0.1:${port}/`));
    expect(error).toBeInstanceOf(Error);
    const span = await oneClientSpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    // The socket error's code, for fetch too (not the `TypeError` fetch rejects with).
    expect(span.attributes['error.type']).toBe('ECONNREFUSED');
    expect(span.attributes['http.response.status_code']).toBeUndefined();
    expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(1);
  });

  it('timeout (AbortSignal.timeout): ERROR with error.type TimeoutError, not an abort', async () => {
    const { error } = await inRun(() => get(client, `${server.origin}/slow`, { signal: AbortSignal.timeout(100) }));
    expect(error).toBeDefined();
    const span = await oneClientSpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('TimeoutError');
    expect(span.attributes['agentrace.http.aborted']).toBeUndefined();
  });

  it('abort (AbortController): not an error, no error.type, marked aborted', async () => {
    const controller = new AbortController();
    const { error } = await inRun(async () => {
      const pending = get(client, `${server.origin}/slow`, { signal: controller.signal });
      await vi.waitFor(() => expect(server.seen.at(-1)?.url).toBe('/slow'));
      controller.abort();
      return pending;
    });
    expect((error as Error).name).toBe('AbortError');
    const span = await oneClientSpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.events).toHaveLength(0);
    expect(span.attributes['agentrace.http.aborted']).toBe(true);
  });

  it('streamed response: the span stays open until the stream ends', async () => {
    const before = server.seen.length;
    const body = await getStreamed(client, `${server.origin}/stream`, async () => {
      expect(clientSpans()).toHaveLength(0);
      await vi.waitFor(() => expect(server.seen.length).toBe(before + 1));
      server.releaseStream();
    });
    expect(body).toBe('one,two,three');
    const span = await oneClientSpan();
    expect(span.attributes['http.response.status_code']).toBe(200);
    // Node 20's built-in fetch (undici 6) publishes no body chunks, so its size is unknown without content-length.
    if (client !== 'fetch') expect(span.attributes['http.response.body.size']).toBe(13);
  });
});
