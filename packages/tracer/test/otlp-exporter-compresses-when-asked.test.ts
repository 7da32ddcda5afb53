import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { OtlpHttpExporter, type Compression } from '@agentrace/tracer';

async function exportOneSpan(compression: Compression) {
  const seen: { encoding?: string; type?: string; header?: string; names: string[] } = { names: [] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      seen.encoding = req.headers['content-encoding'];
      seen.type = req.headers['content-type'];
      seen.header = req.headers['x-tenant'] as string | undefined;
      const body = JSON.parse((seen.encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
      };
      seen.names = body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer('t').startSpan('compressed?').end();
  const exporter = new OtlpHttpExporter({ url, headers: { 'x-tenant': 'a' }, timeoutMillis: 2000, compression });
  const result = await new Promise<ExportResult>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
  await exporter.shutdown();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { result, seen };
}

describe('the OTLP exporter', () => {
  it('sends OTLP JSON with the configured headers', async () => {
    const { result, seen } = await exportOneSpan('none');
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(seen).toEqual({ encoding: undefined, type: 'application/json', header: 'a', names: ['compressed?'] });
  });

  it('gzips the request with compression: gzip (OTEL_EXPORTER_OTLP_COMPRESSION=gzip)', async () => {
    const { result, seen } = await exportOneSpan('gzip');
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(seen).toEqual({ encoding: 'gzip', type: 'application/json', header: 'a', names: ['compressed?'] });
  });
});
