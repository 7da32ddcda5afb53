// undici dispatchers with a connection limit queue requests and make them later, when another
// request frees a connection, in that request's async context; the handler callbacks run from socket
// events, in the context of whoever opened the socket. Each test makes 100 concurrent runs through
// two connections and checks that every CLIENT span, the traceparent the server received, and every
// span started in a callback the caller passed belong to the run that made the call.
import { traced } from '@agentrace/decorators';
import { instrumentHttp, type HttpInstrumentationHandle } from '@agentrace/instrumentation-http';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import diagnosticsChannel from 'node:diagnostics_channel';
import { Writable } from 'node:stream';
import { Agent, Client, interceptors, Pool, fetch as undiciFetch, getGlobalDispatcher, request as undiciRequest, setGlobalDispatcher, type Dispatcher } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseTraceparent, startTestServer } from './utils/server.js';

const RUNS = 100;
const CONNECTIONS = 2;

let tracing: TestTracing;
let handle: HttpInstrumentationHandle;
let server: Awaited<ReturnType<typeof startTestServer>>;

// What disable() must put back, read before the instrumentation is enabled: the prototypes of
// undici's PoolBase (what queues) and Request (what calls the handler), all their own properties.
type Prototype = Record<string | symbol, unknown>;
const poolBase = Object.getPrototypeOf(Pool.prototype) as Prototype;
let requestPrototype: Prototype;
const originals = new Map<Prototype, Map<string | symbol, unknown>>();
const snapshot = (proto: Prototype): Map<string | symbol, unknown> => new Map(Reflect.ownKeys(proto).map((key) => [key, Object.getOwnPropertyDescriptor(proto, key)!.value]));
const changed = (proto: Prototype): string[] => {
  const now = snapshot(proto);
  return [...originals.get(proto)!].filter(([key, value]) => now.get(key) !== value).map(([key]) => String(key));
};

beforeAll(async () => {
  tracing = setupTracing();
  server = await startTestServer({
    // A little later each, and not in order, so requests queue and come back out of order.
    '/work': (req, res) => {
      req.resume();
      setTimeout(() => res.end('done'), 1 + (Number(new URL(req.url!, server.origin).searchParams.get('run')) % 3));
    },
  });
  const grab = (message: unknown): void => {
    requestPrototype = Object.getPrototypeOf((message as { request: object }).request) as Prototype;
  };
  diagnosticsChannel.subscribe('undici:request:create', grab);
  await (await undiciRequest(`${server.origin}/status/200`)).body.text();
  diagnosticsChannel.unsubscribe('undici:request:create', grab);
  originals.set(poolBase, snapshot(poolBase)).set(requestPrototype, snapshot(requestPrototype));
  handle = instrumentHttp({ server: false });
});
afterAll(async () => {
  handle.disable();
  await server.close();
  await tracing.shutdown();
});

interface Run {
  traceId: string;
  spanId: string;
  correlationId: string;
}

/** Runs `call(i)` in RUNS concurrent decorated runs, each with its own correlation id. */
async function concurrentRuns(call: (i: number) => Promise<unknown>): Promise<Run[]> {
  tracing.reset();
  server.seen.length = 0;
  return Promise.all(
    Array.from({ length: RUNS }, (_, i) => {
      const correlationId = `run-${i}`;
      const run = traced(
        'answer-question',
        async (): Promise<Run> => {
          const { traceId, spanId } = trace.getActiveSpan()!.spanContext();
          await call(i);
          return { traceId, spanId, correlationId };
        },
        { type: 'run', correlationId },
      );
      return run();
    }),
  );
}

const url = (i: number): string => `${server.origin}/work?run=${i}`;
const runOf = (value: unknown): number => Number(new URL(String(value), server.origin).searchParams.get('run'));

/** A span started in a callback the caller passed: it must be the run's child. */
function probe(i: number, where: string): void {
  trace.getTracer('test').startSpan('probe', { attributes: { 'test.run': i, 'test.where': where } }).end();
}

function where(span: ReadableSpan, run: Run): string | undefined {
  if (span.spanContext().traceId !== run.traceId) return `in another trace`;
  if (span.parentSpanContext?.spanId !== run.spanId) return `under span ${span.parentSpanContext?.spanId}, not the run`;
  if (span.attributes['agentrace.correlation_id'] !== run.correlationId) return `with correlation id ${String(span.attributes['agentrace.correlation_id'])}`;
  return undefined;
}

/**
 * Every request is one CLIENT span under its own run, with its correlation id; the server got that
 * span's traceparent and the run's correlation id in baggage; every probe span is the run's child.
 */
function expectEveryRequestInItsRun(runs: Run[], probesPerRun = 0): void {
  const spans = tracing.spans();
  const problems: string[] = [];
  const clientOf = new Map<number, ReadableSpan>();
  for (const span of spans.filter((s) => s.kind === SpanKind.CLIENT)) {
    const i = runOf(span.attributes['url.full']);
    if (clientOf.has(i)) problems.push(`run ${i}: a second CLIENT span`);
    clientOf.set(i, span);
    const wrong = where(span, runs[i]!);
    if (wrong !== undefined) problems.push(`run ${i}: CLIENT span ${wrong}`);
  }
  expect(clientOf.size).toBe(RUNS);
  const seen = server.seen.filter((r) => r.url.startsWith('/work?'));
  expect(seen).toHaveLength(RUNS);
  for (const request of seen) {
    const i = runOf(request.url);
    const client = clientOf.get(i)!.spanContext();
    const received = parseTraceparent(request.headers.traceparent);
    if (received?.traceId !== client.traceId || received.spanId !== client.spanId) problems.push(`run ${i}: the server got traceparent ${String(request.headers.traceparent)}, not its CLIENT span's`);
    if (!String(request.headers.baggage).includes(`agentrace.correlation_id=run-${i}`)) problems.push(`run ${i}: the server got baggage ${String(request.headers.baggage)}`);
  }
  const probes = spans.filter((s) => s.name === 'probe');
  expect(probes).toHaveLength(RUNS * probesPerRun);
  for (const span of probes) {
    const i = span.attributes['test.run'] as number;
    const wrong = where(span, runs[i]!);
    if (wrong !== undefined) problems.push(`run ${i}: probe span from ${String(span.attributes['test.where'])} ${wrong}`);
  }
  expect(problems).toEqual([]);
}

const agentOptions = { connections: CONNECTIONS };

it(`global fetch through new Agent({ connections: ${CONNECTIONS} }): every CLIENT span and traceparent belongs to the caller's run`, async () => {
  const agent = new Agent(agentOptions);
  try {
    const runs = await concurrentRuns(async (i) => (await fetch(url(i), { dispatcher: agent } as RequestInit)).text());
    expectEveryRequestInItsRun(runs);
  } finally {
    await agent.close();
  }
});

it(`undici's fetch through new Agent({ connections: ${CONNECTIONS} }): every CLIENT span and traceparent belongs to the caller's run`, async () => {
  const agent = new Agent(agentOptions);
  try {
    const runs = await concurrentRuns(async (i) => (await undiciFetch(url(i), { dispatcher: agent })).text());
    expectEveryRequestInItsRun(runs);
  } finally {
    await agent.close();
  }
});

it(`undici.request through new Agent({ connections: ${CONNECTIONS} }): every CLIENT span and traceparent belongs to the caller's run`, async () => {
  const agent = new Agent(agentOptions);
  try {
    const runs = await concurrentRuns(async (i) => (await undiciRequest(url(i), { dispatcher: agent })).body.text());
    expectEveryRequestInItsRun(runs);
  } finally {
    await agent.close();
  }
});

it(`undici.request and pool.stream through a Pool with connections: ${CONNECTIONS} composed with the retry interceptor: spans and the factory belong to the caller's run`, async () => {
  // The interceptor wraps undici's own handler (an AsyncResource made in the caller's context) in one that is not.
  const pool = new Pool(server.origin, agentOptions);
  const retrying = pool.compose(interceptors.retry());
  try {
    let runs = await concurrentRuns(async (i) => (await undiciRequest(url(i), { dispatcher: retrying })).body.text());
    expectEveryRequestInItsRun(runs);
    runs = await concurrentRuns((i) =>
      retrying.stream({ origin: server.origin, path: `/work?run=${i}`, method: 'GET' }, () => {
        probe(i, 'the stream factory');
        return new Writable({ write: (_chunk, _encoding, done) => done() });
      }),
    );
    expectEveryRequestInItsRun(runs, 1);
  } finally {
    await pool.close();
  }
});

it(`global fetch with setGlobalDispatcher(new Agent({ connections: ${CONNECTIONS} })): every CLIENT span and traceparent belongs to the caller's run`, async () => {
  const previous = getGlobalDispatcher();
  const agent = new Agent(agentOptions);
  setGlobalDispatcher(agent);
  try {
    const runs = await concurrentRuns(async (i) => (await fetch(url(i))).text());
    expectEveryRequestInItsRun(runs);
  } finally {
    setGlobalDispatcher(previous);
    await agent.close();
  }
});

it(`pool.request on a Pool with connections: ${CONNECTIONS}: every CLIENT span and traceparent belongs to the caller's run`, async () => {
  const pool = new Pool(server.origin, agentOptions);
  try {
    const runs = await concurrentRuns(async (i) => (await pool.request({ path: `/work?run=${i}`, method: 'GET' })).body.text());
    expectEveryRequestInItsRun(runs);
  } finally {
    await pool.close();
  }
});

it(`pool.stream on a Pool with connections: ${CONNECTIONS}: the factory runs in the caller's run, and so does its CLIENT span`, async () => {
  const pool = new Pool(server.origin, agentOptions);
  try {
    const runs = await concurrentRuns((i) =>
      pool.stream({ path: `/work?run=${i}`, method: 'GET' }, () => {
        probe(i, 'the stream factory');
        return new Writable({ write: (_chunk, _encoding, done) => done() });
      }),
    );
    expectEveryRequestInItsRun(runs, 1);
  } finally {
    await pool.close();
  }
});

/** `dispatcher.dispatch` with a handler of the caller's own, old style (`onHeaders`) or new (`onResponseStart`). */
function dispatchWithProbes(dispatcher: Dispatcher, i: number, style: 'old' | 'new'): Promise<void> {
  return new Promise((resolve, reject) => {
    const opts = { origin: server.origin, path: `/work?run=${i}`, method: 'GET' as const };
    if (style === 'old') {
      dispatcher.dispatch(opts, {
        onConnect: () => probe(i, 'onConnect'),
        onHeaders: () => (probe(i, 'onHeaders'), true),
        onData: () => true,
        onComplete: () => (probe(i, 'onComplete'), resolve()),
        onError: reject,
      });
    } else {
      dispatcher.dispatch(opts, {
        onRequestStart: () => probe(i, 'onRequestStart'),
        onResponseStart: () => probe(i, 'onResponseStart'),
        onResponseData: () => {},
        onResponseEnd: () => (probe(i, 'onResponseEnd'), resolve()),
        onResponseError: (_controller, error) => reject(error),
      });
    }
  });
}

for (const style of ['old', 'new'] as const) {
  it(`dispatch() with a ${style}-style handler on a Pool with connections: ${CONNECTIONS} and on a Client: every callback runs in the caller's run`, async () => {
    const pool = new Pool(server.origin, agentOptions);
    const client = new Client(server.origin, { pipelining: 1 });
    try {
      for (const dispatcher of [pool, client]) {
        const runs = await concurrentRuns((i) => dispatchWithProbes(dispatcher, i, style));
        expectEveryRequestInItsRun(runs, 3);
      }
    } finally {
      await pool.close();
      await client.close();
    }
  });
}

it("disable() puts undici's queueing dispatch and Request methods back; enable() makes them right again", async () => {
  expect(changed(poolBase)).toEqual(['Symbol(dispatch)']);
  expect(changed(requestPrototype).sort()).toEqual(['onBodySent', 'onComplete', 'onConnect', 'onData', 'onError', 'onHeaders', 'onRequestSent', 'onResponseStarted', 'onUpgrade']);
  handle.disable();
  const pool = new Pool(server.origin, agentOptions);
  try {
    expect(changed(poolBase)).toEqual([]);
    expect(changed(requestPrototype)).toEqual([]);
    await concurrentRuns(async (i) => (await pool.request({ path: `/work?run=${i}`, method: 'GET' })).body.text());
    expect(server.seen.filter((r) => r.headers.traceparent !== undefined)).toEqual([]);
    expect(tracing.spans().filter((s) => s.kind === SpanKind.CLIENT)).toEqual([]);
  } finally {
    handle = instrumentHttp({ server: false });
  }
  try {
    const runs = await concurrentRuns(async (i) => (await pool.request({ path: `/work?run=${i}`, method: 'GET' })).body.text());
    expectEveryRequestInItsRun(runs);
  } finally {
    await pool.close();
  }
});
