// Issue 15, trust boundaries over HTTP. Incoming: a remote caller's baggage tries to set `user.id`
// and the run's correlation id; with the defaults it cannot (its values are kept as
// `agentrace.caller.*` on the SERVER span, the run started for the request has its own id and trace),
// with the documented opt-ins (`trustedCallers`, `setInboundBaggageTrust`) it can. Outgoing: baggage
// reaches the hosts listed in `propagateBaggageTo` and not the others, with unlisted host names mapped
// to loopback by the client's own DNS lookup; identity keys never reach a host nobody listed.
import { ATTR_CORRELATION_ID, currentRun, setInboundBaggageTrust, withRunAttributes } from '@agentrace/core';
import { traced } from '@agentrace/decorators';
import { AgentraceHttpInstrumentation, type AgentraceHttpInstrumentationConfig } from '@agentrace/instrumentation-http';
import { captureDiagnostics, setupTracing } from '@agentrace/testing';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import http from 'node:http';
import type { LookupFunction } from 'node:net';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type SeenRequest } from './utils/server.js';

const tracing = setupTracing({ serviceName: 'trust-boundaries' });
const instrumentation = new AgentraceHttpInstrumentation();
const runs: Record<string, unknown> = {};
const handleRequest = traced(
  'handle_request',
  async (label: string) => {
    runs[label] = currentRun();
  },
  { type: 'run' },
);
const server = await startTestServer({
  '/run': (req, res) => {
    const label = new URL(req.url ?? '/', 'http://x').searchParams.get('label') ?? '';
    void handleRequest(label).then(() => res.end('ok'));
  },
});
afterAll(async () => {
  instrumentation.disable();
  await server.close();
  await tracing.shutdown();
});
beforeEach(() => tracing.reset());
afterEach(() => setInboundBaggageTrust(undefined));

function configure(config: AgentraceHttpInstrumentationConfig): void {
  instrumentation.setConfig(config);
}

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

/** A remote caller: its own traceparent and baggage, sent as raw headers (so no client span of ours is made). */
function callAsRemote(label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.origin}/run?label=${label}`, {
      headers: {
        traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
        baggage: 'user.id=mallory,agentrace.correlation_id=forged-run,app.flag=on',
      },
    });
    req.on('response', (res) => res.resume().on('end', () => resolve()));
    req.on('error', reject);
    req.end();
  });
}

const serverSpan = (): ReadableSpan => tracing.spans().find((s) => s.kind === SpanKind.SERVER)!;
const runSpan = (): ReadableSpan => tracing.spans().find((s) => s.name === 'invoke_agent handle_request')!;

describe('a remote caller sets user.id and the correlation id in baggage', () => {
  it('with the defaults, the trusted values are not replaced: the claims are recorded as agentrace.caller.*', async () => {
    configure({});
    const diagnostics = captureDiagnostics();
    try {
      await callAsRemote('defaults');
    } finally {
      diagnostics.restore();
    }
    const span = serverSpan();
    expect(span.spanContext().traceId).toBe(CALLER_TRACE); // W3C trace context is honoured
    expect(span.attributes['user.id']).toBeUndefined();
    expect(span.attributes[ATTR_CORRELATION_ID]).toBeUndefined();
    expect(span.attributes['agentrace.caller.user.id']).toBe('mallory');
    expect(span.attributes['agentrace.caller.correlation_id']).toBe('forged-run');
    // The run the request starts is this service's own: its own id, its own trace, linked to the caller's.
    const run = runs.defaults as { correlationId: string; attributes: Record<string, unknown> };
    expect(run.correlationId).not.toBe('forged-run');
    expect(run.attributes['user.id']).toBeUndefined();
    const root = runSpan();
    expect(root.attributes[ATTR_CORRELATION_ID]).toBe(run.correlationId);
    expect(root.spanContext().traceId).not.toBe(CALLER_TRACE);
    expect(root.links.map((l) => l.context.spanId)).toEqual([span.spanContext().spanId]);
    expect(diagnostics.messages).toEqual([]);
  });

  it.each<[string, () => void]>([
    ['trustedCallers names the caller', () => configure({ trustedCallers: ['127.0.0.1'] })],
    ['trustInboundBaggage trusts every HTTP caller', () => (configure({}), setInboundBaggageTrust({ callers: true }))],
  ])('with the opt-in (%s), they are', async (_name, optIn) => {
    optIn();
    await callAsRemote('opt-in');
    const span = serverSpan();
    expect(span.attributes).toMatchObject({ 'user.id': 'mallory', [ATTR_CORRELATION_ID]: 'forged-run' });
    expect(span.attributes['agentrace.caller.user.id']).toBeUndefined();
    expect(runs['opt-in']).toMatchObject({ correlationId: 'forged-run', attributes: { 'user.id': 'mallory' } });
    expect(runSpan().spanContext().traceId).toBe(CALLER_TRACE);
  });

  it('a caller trusted with the correlation id only keeps it, not user.id', async () => {
    configure({});
    setInboundBaggageTrust({ callers: [ATTR_CORRELATION_ID] });
    await callAsRemote('id-only');
    expect(serverSpan().attributes).toMatchObject({ [ATTR_CORRELATION_ID]: 'forged-run', 'agentrace.caller.user.id': 'mallory' });
    expect(runs['id-only']).toMatchObject({ correlationId: 'forged-run', attributes: {} });
  });
});

/** Every host name resolves to loopback: the test server, whatever name the URL gives. */
const toLoopback = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
  if (options?.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;
const agent = new Agent({ connect: { lookup: toLoopback } });
afterAll(() => agent.close());

async function send(client: 'undici' | 'node:http', host: string): Promise<SeenRequest> {
  const url = `http://${host}:${server.port}/status/200`;
  const before = server.seen.length;
  if (client === 'undici') {
    const res = await undiciRequest(url, { dispatcher: agent });
    await res.body.text();
  } else {
    await new Promise<void>((resolve, reject) => {
      http.get(url, { lookup: toLoopback }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
  }
  expect(server.seen.length).toBe(before + 1);
  return server.seen.at(-1)!;
}

/** Sends from inside a run with a correlation id and a user id. */
const inRun = traced('outbound', async (fn: () => Promise<SeenRequest>) => withRunAttributes({ 'user.id': 'u-1' }, fn), {
  type: 'run',
  correlationId: 'run-out-1',
});

describe.each(['undici', 'node:http'] as const)('outgoing requests (%s)', (client) => {
  it('baggage reaches the listed host and not the unlisted one; traceparent reaches both', async () => {
    configure({ propagateBaggageTo: ['listed.test'] });
    const listed = await inRun(() => send(client, 'listed.test'));
    const unlisted = await inRun(() => send(client, 'unlisted.test'));
    expect(listed.headers.baggage).toContain('user.id=u-1');
    expect(listed.headers.baggage).toContain('agentrace.correlation_id=run-out-1');
    expect(unlisted.headers.baggage).toBeUndefined();
    expect(listed.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(unlisted.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('by default: your own services get the correlation id but no identity key, a third party no baggage', async () => {
    configure({});
    const internal = await inRun(() => send(client, 'profile-svc'));
    const external = await inRun(() => send(client, 'api.partner.example'));
    expect(internal.headers.baggage).toBe('agentrace.correlation_id=run-out-1');
    expect(external.headers.baggage).toBeUndefined();
    expect(external.headers.traceparent).toBeDefined();
  });

  it('trace context goes only where propagateTraceContextTo says', async () => {
    configure({ propagateTraceContextTo: ['*.mine.example'], propagateBaggageTo: [] });
    const mine = await inRun(() => send(client, 'a.mine.example'));
    const other = await inRun(() => send(client, 'b.other.example'));
    expect(mine.headers.traceparent).toBeDefined();
    expect(other.headers.traceparent).toBeUndefined();
    expect(mine.headers.baggage).toBeUndefined();
  });
});
