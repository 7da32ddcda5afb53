import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '@agentrace/testing';
import { OtlpHttpExporter, resolveConfig, type Compression, type OtlpProtocol } from '@agentrace/tracer';

async function exportOneSpan(compression: Compression, protocol?: OtlpProtocol) {
  const seen: { encoding?: string; type?: string; header?: string; names: string[] } = { names: [] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      seen.encoding = req.headers['content-encoding'];
      seen.type = req.headers['content-type'];
      seen.header = req.headers['x-tenant'] as string | undefined;
      const plain = seen.encoding === 'gzip' ? gunzipSync(raw) : raw;
      const body = (seen.type === 'application/x-protobuf' ? decodeTraceRequest(plain) : JSON.parse(plain.toString('utf8'))) as {
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
  const exporter = new OtlpHttpExporter({ url, headers: { 'x-tenant': 'a' }, timeoutMillis: 2000, compression, protocol });
  const result = await new Promise<ExportResult>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
  await exporter.shutdown();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { result, seen };
}

describe('the OTLP exporter', () => {
  it.each([
    ['OTLP protobuf by default', undefined, 'application/x-protobuf'],
    ['OTLP protobuf with protocol http/protobuf', 'http/protobuf', 'application/x-protobuf'],
    ['OTLP JSON with protocol http/json', 'http/json', 'application/json'],
  ] as const)('sends %s, with the configured headers', async (_name, protocol, type) => {
    const { result, seen } = await exportOneSpan('none', protocol);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(seen).toEqual({ encoding: undefined, type, header: 'a', names: ['compressed?'] });
  });

  it.each([
    ['http/protobuf', 'application/x-protobuf'],
    ['http/json', 'application/json'],
  ] as const)('gzips %s requests with compression: gzip (OTEL_EXPORTER_OTLP_COMPRESSION=gzip)', async (protocol, type) => {
    const { result, seen } = await exportOneSpan('gzip', protocol);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(seen).toEqual({ encoding: 'gzip', type, header: 'a', names: ['compressed?'] });
  });
});

describe('the protocol setting', () => {
  it('is http/protobuf by default, the OTLP specification\'s default', () => {
    expect(resolveConfig({}, {}).protocol).toBe('http/protobuf');
  });

  it('takes OTEL_EXPORTER_OTLP_TRACES_PROTOCOL over OTEL_EXPORTER_OTLP_PROTOCOL, and the option over both', () => {
    expect(resolveConfig({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol).toBe('http/json');
    expect(resolveConfig({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).protocol).toBe('http/protobuf');
    expect(resolveConfig({ protocol: 'http/json' }, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).protocol).toBe('http/json');
  });

  it.each(['grpc', 'thrift'])('reports %s as unsupported and uses http/protobuf', (value) => {
    const config = resolveConfig({}, { OTEL_EXPORTER_OTLP_PROTOCOL: value });
    expect(config.protocol).toBe('http/protobuf');
    expect(config.problems).toEqual([
      `protocol (from OTEL_EXPORTER_OTLP_PROTOCOL) is "${value}"; accepted: http/protobuf, http/json (grpc is not supported: use the OTLP/HTTP port, 4318); using "http/protobuf" (the default) instead`,
    ]);
  });

  it('takes the compression from OTEL_EXPORTER_OTLP_TRACES_COMPRESSION over OTEL_EXPORTER_OTLP_COMPRESSION', () => {
    expect(resolveConfig({}, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }).compression).toBe('gzip');
    expect(resolveConfig({}, { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none' }).compression).toBe('none');
  });
});
