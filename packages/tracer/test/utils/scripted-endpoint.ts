import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeTraceRequest } from '@agentrace/testing';

/** One answer of a scripted endpoint: a status, with headers if any. */
export type Answer = number | { status: number; headers?: Record<string, string> } | 'hang';

/** An OTLP/HTTP endpoint on loopback whose answers are decided by the test. */
export interface ScriptedEndpoint {
  readonly url: string;
  /** Spans in each request received, in order. */
  readonly requests: number[];
  /** What to answer to a request of `spans` spans. */
  answer: (spans: number) => Answer;
  close(): Promise<void>;
}

function countSpans(raw: Buffer, contentType: string | undefined, encoding: string | undefined): number {
  try {
    const body = encoding === 'gzip' ? gunzipSync(raw) : raw;
    const request = (contentType?.includes('protobuf') ? decodeTraceRequest(body) : JSON.parse(body.toString('utf8'))) as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
    let n = 0;
    for (const rs of request.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
    return n;
  } catch {
    return -1;
  }
}

export async function startScriptedEndpoint(answer: (spans: number) => Answer = () => 200): Promise<ScriptedEndpoint> {
  const requests: number[] = [];
  const endpoint = { answer };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const spans = countSpans(Buffer.concat(chunks), req.headers['content-type'], req.headers['content-encoding']);
      requests.push(spans);
      const a = endpoint.answer(spans);
      if (a === 'hang') return;
      const { status, headers } = typeof a === 'number' ? { status: a, headers: {} } : a;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(status < 300 ? '{}' : JSON.stringify({ code: status, message: 'scripted answer' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(endpoint, {
    url: `http://127.0.0.1:${port}/v1/traces`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A port on loopback where nothing listens: a connection to it is refused at once. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts each connection and resets it at once; counts the connections. */
export async function startResettingServer(): Promise<{ url: string; connections(): number; close(): Promise<void> }> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Counts the client sockets this process opens (connection attempts, refused ones included) while it is on. */
export function countConnectionAttempts(): { count(): number; stop(): void } {
  let n = 0;
  const onSocket = (): void => {
    n++;
  };
  diagnosticsChannel.subscribe('net.client.socket', onSocket);
  return { count: () => n, stop: () => diagnosticsChannel.unsubscribe('net.client.socket', onSocket) };
}
