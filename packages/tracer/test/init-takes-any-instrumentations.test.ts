// init({ instrumentations }) registers what it is given (agentrace's classes or anyone's) instead of
// its defaults, and shutdown() disables them; a bad list is reported and the defaults are used.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentraceHttpInstrumentation } from '@agentrace/instrumentation-http';
import { init, type TracerHandle } from '@agentrace/tracer';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';

let server: Server;
let url: string;
let handle: TracerHandle | undefined;
beforeAll(async () => {
  server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

it('registers the given instrumentations with its provider and disables them at shutdown', async () => {
  const exporter = new InMemorySpanExporter();
  const http = new AgentraceHttpInstrumentation();
  const logged: string[] = [];
  handle = init({
    serviceName: 'own-instrumentations',
    exporter,
    instrumentations: [http],
    handleExit: false,
    logger: { error: (m) => logged.push(m), warn: (m) => logged.push(m), info: () => {}, debug: () => {} },
  });
  await (await fetch(url)).text();
  await handle.forceFlush();
  expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(expect.arrayContaining(['GET']));
  // Told where the exporter sends, so its own requests are never traced.
  expect(http.getConfig().exporterUrl).toBe(handle.config?.endpoint);
  expect(logged).toEqual([]);
  await handle.shutdown();
  handle = undefined;
  exporter.reset();
  await (await fetch(url)).text();
  expect(exporter.getFinishedSpans()).toEqual([]);
});

it('reports http/queues options next to instrumentations once each, and a bad list once, using the defaults', async () => {
  const logged: string[] = [];
  const logger = { error: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), info: () => {}, debug: () => {} };
  handle = init({ exporter: 'none', instrumentations: [new AgentraceHttpInstrumentation()], http: { ignore: [] } as never, handleExit: false, logger });
  expect(logged.filter((m) => m.includes('http is') && m.includes('instrumentations is given'))).toHaveLength(1);
  await handle.shutdown();
  logged.length = 0;
  handle = init({ exporter: 'none', instrumentations: ['not one'] as never, handleExit: false, logger });
  expect(logged.filter((m) => m.includes('instrumentations is ["not one"]'))).toHaveLength(1);
  expect(handle.enabled).toBe(true);
});
