import { instrumentHttp } from '@agentrace/instrumentation-http';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { SpanKind } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { get, type ClientName } from './utils/clients.js';
import { parseTraceparent, startTestServer } from './utils/server.js';

const require = createRequire(import.meta.url);
let tracing: TestTracing;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  tracing = setupTracing();
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  await tracing.shutdown();
});
beforeEach(() => tracing.reset());

/** The official ones, as a user would register them by hand. */
function registerOfficial(): () => void {
  const httpInstrumentation = new HttpInstrumentation();
  const undiciInstrumentation = new UndiciInstrumentation();
  require('node:http'); // the official one patches node:http when it is required after enable()
  require('node:https');
  return () => {
    httpInstrumentation.disable();
    undiciInstrumentation.disable();
  };
}

describe.each([
  ['official first, ours second', true],
  ['ours first, official second', false],
])('%s', (_label, officialFirst) => {
  let undo: () => void;
  beforeAll(() => {
    let official: () => void = () => {};
    if (officialFirst) official = registerOfficial();
    const ours = instrumentHttp();
    if (!officialFirst) official = registerOfficial();
    undo = () => {
      official();
      ours.disable();
    };
  });
  afterAll(() => undo());

  it.each<ClientName>(['fetch', 'undici', 'node:http'])('%s: one CLIENT span, one SERVER span, one traceparent', async (client) => {
    await get(client, `${server.origin}/status/200`);
    await vi.waitFor(() => expect(tracing.spans().filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(1));
    const clients = tracing.spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(clients).toHaveLength(1);
    const [serverSpan] = tracing.spans().filter((s) => s.kind === SpanKind.SERVER);
    expect(serverSpan!.parentSpanContext?.spanId).toBe(clients[0]!.spanContext().spanId);
    expect(parseTraceparent(server.seen.at(-1)!.headers.traceparent)?.spanId).toBe(clients[0]!.spanContext().spanId);
  });
});
