// The Jaeger query client against a local stand-in (each way an answer can go wrong) and against the
// real Jaeger (AGENTRACE_JAEGER_QUERY_URL / AGENTRACE_OTLP_ENDPOINT), fed raw OTLP so the int64 and
// link ids it stores are exactly the ones sent.
import { otlpTracesEndpoint } from '@agentrace/testing';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_JAEGER_QUERY_URL, fetchJaegerTraces, jaegerQueryUrl, jaegerTraceToSpans } from '../src/jaeger/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
afterEach(() => {
  requests.length = 0;
  vi.unstubAllEnvs();
});

const answer = (status: number, body: string, type = 'application/json'): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
};

const TRACE = { traceID: '4bf92f3577b34da6a3ce929d0e0e4736', spans: [], processes: {} };

describe('fetchJaegerTraces', () => {
  it('searches a service with limit and lookback, and fetches by id', async () => {
    handler = answer(200, JSON.stringify({ data: [TRACE], total: 0, errors: null }));
    await expect(fetchJaegerTraces({ baseUrl: `${base}/`, service: 'my agent', limit: 5, lookback: '2d' })).resolves.toEqual([TRACE]);
    await expect(fetchJaegerTraces({ baseUrl: base, service: 'svc' })).resolves.toEqual([TRACE]);
    await expect(fetchJaegerTraces({ baseUrl: base, traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736', 'abc'] })).resolves.toEqual([TRACE, TRACE]);
    expect(requests).toEqual([
      '/api/traces?service=my+agent&limit=5&lookback=2d',
      '/api/traces?service=svc&limit=20&lookback=1h',
      '/api/traces/4bf92f3577b34da6a3ce929d0e0e4736',
      '/api/traces/abc',
    ]);
  });

  it('reads the URL from AGENTRACE_JAEGER_QUERY_URL, else the default', async () => {
    vi.stubEnv('AGENTRACE_JAEGER_QUERY_URL', `${base}//`);
    expect(jaegerQueryUrl()).toBe(base);
    handler = answer(200, '{"data":null}');
    await expect(fetchJaegerTraces({ service: 'svc' })).resolves.toEqual([]);
    expect(requests).toHaveLength(1);
    vi.stubEnv('AGENTRACE_JAEGER_QUERY_URL', ' ');
    expect(jaegerQueryUrl()).toBe(DEFAULT_JAEGER_QUERY_URL);
    expect(DEFAULT_JAEGER_QUERY_URL).toBe('http://127.0.0.1:16686');
  });

  it("takes Jaeger's own 404 as not stored yet: the trace is simply absent", async () => {
    handler = answer(404, '{"data":null,"total":0,"errors":[{"code":404,"msg":"trace not found"}]}', 'text/plain; charset=utf-8');
    await expect(fetchJaegerTraces({ baseUrl: base, traceIds: ['0123456789abcdef0123456789abcdef'] })).resolves.toEqual([]);
  });

  it('keeps an int64 past 2^53 written as a bare JSON number exact', async () => {
    handler = answer(
      200,
      `{"data":[{"traceID":"abc","spans":[{"traceID":"abc","spanID":"1","operationName":"op","startTime":1,"duration":1,"tags":[{"key":"big","type":"int64","value":9223372036854775807}]}]}]}`,
    );
    const [trace] = await fetchJaegerTraces({ baseUrl: base, traceIds: ['abc'] });
    expect(jaegerTraceToSpans(trace!)[0]!.attributes).toEqual({ big: '9223372036854775807' });
  });

  it('says what to check when the address is not the query API', async () => {
    handler = answer(404, '404 page not found', 'text/plain');
    await expect(fetchJaegerTraces({ baseUrl: base, traceIds: ['abc'] })).rejects.toThrow(
      `Jaeger's query API answered 404 Not Found for ${base}/api/traces/abc. Nothing answers /api/traces there: check that the URL given (${base}) is Jaeger's query API (port 16686), not the OTLP receiver (4318) or a UI path.`,
    );
    handler = answer(200, '<!doctype html><title>Jaeger UI</title>', 'text/html');
    await expect(fetchJaegerTraces({ baseUrl: base, service: 'svc' })).rejects.toThrow(
      `did not answer with Jaeger's JSON (content-type text/html). Check that the URL given (${base}) is Jaeger's query API (port 16686), not its UI path or the OTLP receiver.`,
    );
  });

  it("passes on what Jaeger says is wrong, with what to check", async () => {
    handler = answer(400, '{"data":null,"errors":[{"code":400,"msg":"time: unknown unit \\"x\\" in duration \\"1x\\""}]}');
    await expect(fetchJaegerTraces({ baseUrl: base, service: 'svc', lookback: '1x' })).rejects.toThrow(
      `Jaeger's query API answered 400 Bad Request for ${base}/api/traces?service=svc&limit=20&lookback=1x ("time: unknown unit "x" in duration "1x""). Check the trace ids (hex), service, limit and lookback (Jaeger syntax: 30m, 1h, 2d).`,
    );
    handler = answer(503, 'storage down', 'text/plain');
    await expect(fetchJaegerTraces({ baseUrl: base, service: 'svc' })).rejects.toThrow("503 Service Unavailable for");
    await expect(fetchJaegerTraces({ baseUrl: base, service: 'svc' })).rejects.toThrow("Jaeger's storage may be failing or still starting: see Jaeger's log.");
  });

  it('says where the URL came from when Jaeger cannot be reached, and when it does not answer in time', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    vi.stubEnv('AGENTRACE_JAEGER_QUERY_URL', `http://127.0.0.1:${port}`);
    await expect(fetchJaegerTraces({ service: 'svc' })).rejects.toThrow(
      `Could not reach Jaeger's query API at http://127.0.0.1:${port}/api/traces?service=svc&limit=20&lookback=1h: fetch failed (connect ECONNREFUSED 127.0.0.1:${port}). ` +
        `Check that Jaeger is running and that AGENTRACE_JAEGER_QUERY_URL (http://127.0.0.1:${port}) is its query address (port 16686).`,
    );

    handler = () => {}; // never answers
    await expect(fetchJaegerTraces({ baseUrl: base, service: 'svc', timeoutMs: 50 })).rejects.toThrow(
      `Jaeger's query API did not answer ${base}/api/traces?service=svc&limit=20&lookback=1h within 50 ms (option timeoutMs).`,
    );
  });

  it('names the option, the value given and what it takes', async () => {
    await expect(fetchJaegerTraces({})).rejects.toThrow(
      'fetchJaegerTraces: give option traceIds (trace ids to fetch) or service (a service name to search); got neither.',
    );
    await expect(fetchJaegerTraces({ traceIds: ['not-hex'] })).rejects.toThrow(
      'fetchJaegerTraces: option traceIds takes hex trace ids of up to 32 digits; got "not-hex".',
    );
    await expect(fetchJaegerTraces({ service: 'svc', limit: 0 })).rejects.toThrow('fetchJaegerTraces: option limit must be a positive integer; got 0.');
    expect(requests).toEqual([]);
  });
});

describe('fetchJaegerTraces against the real Jaeger', () => {
  it('reads back exactly what was stored: int64 past 2^53, shortened ids padded, links, status, events', async () => {
    const traceId = randomBytes(16).toString('hex');
    const [rootId, childId] = [randomBytes(8).toString('hex'), randomBytes(8).toString('hex')];
    const service = `core-jaeger-client-${process.pid}-${Date.now()}`;
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const at = (ms: number) => String(nowNs + BigInt(ms) * 1_000_000n);
    const otlp = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [
            {
              scope: { name: 'probe', version: '1.0.0' },
              spans: [
                { traceId, spanId: rootId, name: 'root', kind: 2, startTimeUnixNano: at(0), endTimeUnixNano: at(10), status: { code: 1 } },
                {
                  traceId,
                  spanId: childId,
                  parentSpanId: rootId,
                  name: 'child',
                  kind: 3,
                  startTimeUnixNano: at(1),
                  endTimeUnixNano: at(5),
                  attributes: [
                    { key: 'big', value: { intValue: '1152921504606846977' } },
                    { key: 'small', value: { intValue: '42' } },
                  ],
                  events: [{ name: 'state.write', timeUnixNano: at(2), attributes: [{ key: 'state.version', value: { intValue: '9007199254740993' } }] }],
                  // A 128-bit trace id whose high half is zero: Jaeger gives it back 16 wide.
                  links: [{ traceId: '0000000000000000000000000000000a', spanId: '000000000000000b' }],
                  status: { code: 2, message: 'boom' },
                },
              ],
            },
          ],
        },
      ],
    };
    const posted = await fetch(otlpTracesEndpoint(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(otlp) });
    expect(posted.status).toBe(200);

    let trace;
    for (let tries = 0; tries < 100 && !(trace && trace.spans.length === 2); tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      [trace] = await fetchJaegerTraces({ traceIds: [traceId] });
    }
    expect(trace?.spans).toHaveLength(2);
    const spans = jaegerTraceToSpans(trace!);
    const child = spans.find((s) => s.name === 'child')!;
    expect(child.spanContext()).toEqual({ traceId, spanId: childId, traceFlags: 1 });
    expect(child.parentSpanContext).toEqual({ traceId, spanId: rootId, traceFlags: 1 });
    expect(child.attributes).toEqual({ big: '1152921504606846977', small: 42 });
    expect(child.links).toEqual([{ context: { traceId: '0000000000000000000000000000000a', spanId: '000000000000000b', traceFlags: 1 } }]);
    expect(child.status).toEqual({ code: 2, message: 'boom' });
    expect(child.events.map((e) => [e.name, e.attributes])).toEqual([['state.write', { 'state.version': '9007199254740993' }]]);
    expect(child.instrumentationScope).toEqual({ name: 'probe', version: '1.0.0' });
    expect(child.resource.attributes['service.name']).toBe(service);
    expect(spans.find((s) => s.name === 'root')!.status).toEqual({ code: 1 });

    // The same trace found by its service.
    const [byService] = await fetchJaegerTraces({ service, limit: 5 });
    expect(byService?.traceID.padStart(32, '0')).toBe(traceId);
  });
});
