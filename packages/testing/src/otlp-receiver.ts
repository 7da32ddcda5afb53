import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeTraceRequest } from './otlp-protobuf.js';

/** One span as received over OTLP/HTTP JSON, flattened with its resource's service name. */
export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  serviceName?: string;
  attributes: Record<string, unknown>;
}

/** A local OTLP/HTTP receiver (protobuf or JSON, gzip or not) for tests that check what a process exports, e.g. at exit. */
export interface OtlpReceiver {
  /** The traces URL to export to, e.g. `http://127.0.0.1:PORT/v1/traces`. */
  readonly url: string;
  /** Every span received so far. */
  spans(): ReceivedSpan[];
  /** Number of export requests received. */
  requests(): number;
  close(): Promise<void>;
}

function attributeValue(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) {
    const values = (v.arrayValue as { values?: Record<string, unknown>[] }).values ?? [];
    return values.map(attributeValue);
  }
  return undefined;
}

function attributesOf(list: { key: string; value: Record<string, unknown> }[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = attributeValue(value);
  return out;
}

/**
 * Starts a receiver on loopback. Set `respond: false` to accept requests and never answer (a hung
 * endpoint), for tests of bounded shutdown.
 */
export async function startOtlpReceiver({ respond = true }: { respond?: boolean } = {}): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      try {
        let raw = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        const protobuf = (req.headers['content-type'] ?? '').includes('protobuf');
        const body = (protobuf ? decodeTraceRequest(raw) : JSON.parse(raw.toString('utf8'))) as {
          resourceSpans?: { resource?: { attributes?: [] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[];
        };
        for (const rs of body.resourceSpans ?? []) {
          const serviceName = attributesOf(rs.resource?.attributes)['service.name'] as string | undefined;
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              received.push({
                name: s.name as string,
                traceId: s.traceId as string,
                spanId: s.spanId as string,
                parentSpanId: (s.parentSpanId as string) || undefined,
                serviceName,
                attributes: attributesOf(s.attributes as never),
              });
            }
          }
        }
      } catch {
        // Not OTLP: counted as a request, spans not decoded.
      }
      if (respond) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans: () => [...received],
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
