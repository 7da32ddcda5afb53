// The class with the standard OpenTelemetry registration and a plain NodeTracerProvider: no agentrace
// tracer, no run-attributes processor, no `instrumentHttp`.
import { AgentraceHttpInstrumentation, instrumentHttp } from '@agentrace/instrumentation-http';
import { captureDiagnostics } from '@agentrace/testing';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { get, type ClientName } from './utils/clients.js';
import { parseTraceparent, startTestServer } from './utils/server.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const originalRequest = http.request;
const originalGet = http.get;
const originalEmit = http.Server.prototype.emit;
let server: Awaited<ReturnType<typeof startTestServer>>;
let instrumentation: AgentraceHttpInstrumentation;
let unregister: () => void;

beforeAll(async () => {
  // As NodeSDK does: the instrumentation is made before the provider is registered.
  instrumentation = new AgentraceHttpInstrumentation({ server: false });
  provider.register();
  unregister = registerInstrumentations({ instrumentations: [instrumentation] });
  server = await startTestServer();
});
afterAll(async () => {
  unregister();
  await server.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

const clientSpans = (): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);

/** A GET inside a parent span and baggage; the parent's ids. */
async function getInParent(client: ClientName): Promise<{ traceId: string; spanId: string }> {
  const parent = trace.getTracer('test').startSpan('parent');
  const bag = propagation.createBaggage({ 'app.flag': { value: 'on' } });
  const ctx = propagation.setBaggage(trace.setSpan(context.active(), parent), bag);
  await context.with(ctx, () => get(client, `${server.origin}/status/200`));
  parent.end();
  return parent.spanContext();
}

describe.each<ClientName>(['fetch', 'node:http'])('%s', (client) => {
  it('makes a CLIENT span under the active span and propagates trace context and baggage', async () => {
    const parent = await getInParent(client);
    await vi.waitFor(() => expect(clientSpans()).toHaveLength(1));
    const span = clientSpans()[0]!;
    expect(span.instrumentationScope.name).toBe('@agentrace/instrumentation-http');
    expect(span.name).toBe('GET');
    expect(span.spanContext().traceId).toBe(parent.traceId);
    expect(span.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(span.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200, 'url.full': `${server.origin}/status/200` });
    const seen = server.seen.at(-1)!;
    expect(parseTraceparent(seen.headers.traceparent)).toEqual({ traceId: parent.traceId, spanId: span.spanContext().spanId });
    expect(seen.headers.baggage).toContain('app.flag=on');
  });
});

it('makes no module hooks: it patches node:http itself and listens to undici diagnostics channels', () => {
  expect(instrumentation.getModuleDefinitions()).toEqual([]);
  expect(instrumentation.isEnabled()).toBe(true);
  expect(http.request).not.toBe(originalRequest);
});

it('disable() stops the spans and propagation and restores node:http; enable() brings them back', async () => {
  instrumentation.disable();
  try {
    expect(instrumentation.isEnabled()).toBe(false);
    expect(http.request).toBe(originalRequest);
    expect(http.get).toBe(originalGet);
    expect(http.Server.prototype.emit).toBe(originalEmit);
    for (const client of ['fetch', 'node:http'] as const) {
      await getInParent(client);
      expect(server.seen.at(-1)!.headers.traceparent).toBeUndefined();
    }
    expect(clientSpans()).toHaveLength(0);
  } finally {
    instrumentation.enable();
  }
  await getInParent('fetch');
  await vi.waitFor(() => expect(clientSpans()).toHaveLength(1));
});

it('setConfig() takes effect at once when enabled', async () => {
  instrumentation.setConfig({ server: false, ignoreOutgoing: ['/status/'] });
  try {
    await getInParent('node:http');
    expect(server.seen.at(-1)!.headers.traceparent).toBeUndefined();
    expect(clientSpans()).toHaveLength(0);
  } finally {
    instrumentation.setConfig({ server: false });
  }
  await getInParent('node:http');
  await vi.waitFor(() => expect(clientSpans()).toHaveLength(1));
});

it('setTracerProvider() (what registerInstrumentations passes) moves the spans to that provider', async () => {
  const otherExporter = new InMemorySpanExporter();
  const other = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(otherExporter)] });
  instrumentation.setTracerProvider(other);
  try {
    await get('fetch', `${server.origin}/status/200`);
    await vi.waitFor(() => expect(otherExporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(1));
    expect(clientSpans()).toHaveLength(0);
  } finally {
    instrumentation.setTracerProvider(trace.getTracerProvider());
    await other.shutdown();
  }
});

describe('one in effect per process', () => {
  it('enabling a second instance disables the first, with a warning: one span per request, not two', async () => {
    const diagnostics = captureDiagnostics();
    const second = new AgentraceHttpInstrumentation({ server: false });
    diagnostics.restore();
    try {
      expect(instrumentation.isEnabled()).toBe(false);
      expect(diagnostics.messages.map((m) => m.text)).toEqual([
        expect.stringMatching(/^@agentrace\/instrumentation-http a second HTTP instrumentation was enabled .* the earlier one is now disabled/),
      ]);
      await getInParent('fetch');
      await vi.waitFor(() => expect(clientSpans()).toHaveLength(1));
    } finally {
      second.disable();
      instrumentation.enable();
    }
  });

  it('a second instrumentHttp() while the first is in effect returns the first handle and warns once', async () => {
    instrumentation.disable();
    const diagnostics = captureDiagnostics();
    const first = instrumentHttp({ server: false });
    const second = instrumentHttp({ server: false, ignoreOutgoing: ['/status/'] });
    const third = instrumentHttp({ server: false });
    try {
      expect(second).toBe(first);
      expect(third).toBe(first);
      expect(diagnostics.messages.filter((m) => m.text.includes('instrumentHttp() was called again'))).toHaveLength(1);
      await getInParent('node:http');
      await vi.waitFor(() => expect(clientSpans()).toHaveLength(1));
    } finally {
      diagnostics.restore();
      first.disable();
      instrumentation.enable();
    }
    // Disabled through the handle, the shortcut makes a new one again.
    const again = instrumentHttp({ server: false });
    expect(again).not.toBe(first);
    again.disable();
  });
});
