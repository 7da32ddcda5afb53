import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the test server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** An extra route of the test server. */
export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A started test server: a {@link TestServer} whose `/stream` route `releaseStream()` ends. */
export type StartedTestServer = TestServer & { releaseStream(): void };

/**
 * A local HTTP server with the routes the tests need: `/status/<code>`, `/slow` (never answers),
 * `/stream` (three chunks, the last one released by `release()`), `/echo`, and any extra route.
 */
export async function startTestServer(extra: Record<string, Route> = {}): Promise<StartedTestServer> {
  const seen: SeenRequest[] = [];
  let releases: (() => void)[] = [];
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '/').split('?')[0]!;
    const route = extra[path];
    if (route !== undefined) return route(req, res);
    if (path.startsWith('/status/')) {
      const body = `status ${path.slice(8)}`;
      res.writeHead(Number(path.slice(8)), { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (path === '/slow') return; // answered never; the client times out or aborts
    if (path === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' }); // chunked, no content-length
      res.write('one,');
      res.write('two,');
      releases.push(() => res.end('three'));
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-answer': '42', 'set-cookie': 'a=b' });
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    releaseStream() {
      const r = releases;
      releases = [];
      for (const fn of r) fn();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Trace id and parent span id of a W3C traceparent header. */
export function parseTraceparent(value: unknown): { traceId: string; spanId: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(value);
  return m ? { traceId: m[1]!, spanId: m[2]! } : undefined;
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
