// One retry layer: the OTLP exporter sends each export once and the batch processor alone decides
// what to do with a failure, by HTTP status (408, 429, 5xx transient; 413 split; other 4xx
// permanent) or network error code, never by message text.
import { DiagLogLevel, diag, type DiagLogger } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountingBatchProcessor, init, OtlpHttpExporter, type AccountingBatchOptions, type TracerHandle } from '@agentrace/tracer';
import { closedPort, countConnectionAttempts, startResettingServer, startScriptedEndpoint, type ScriptedEndpoint } from './utils/scripted-endpoint.js';

const OPTIONS: AccountingBatchOptions = {
  maxQueueSize: 100,
  maxQueueBytes: 1 << 30,
  maxExportBatchSize: 50,
  // Exports run only when the test flushes, unless it says otherwise.
  scheduledDelayMillis: 600_000,
  exportTimeoutMillis: 2000,
  overflow: 'drop',
  describeTarget: 'the scripted endpoint',
};

/** A processor exporting to `url` with the tracer's OTLP exporter, and an exporter wrapper that counts attempts. */
function pipeline(url: string, options: Partial<AccountingBatchOptions> = {}) {
  const exporter = new OtlpHttpExporter({ url, headers: {}, timeoutMillis: options.exportTimeoutMillis ?? OPTIONS.exportTimeoutMillis, compression: 'none' });
  const events: string[] = [];
  const counting: SpanExporter = {
    export(spans, done) {
      events.push(`export ${spans.length}`);
      exporter.export(spans, (result) => {
        events.push(result.code === ExportResultCode.SUCCESS ? 'ok' : 'failed');
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
  };
  const processor = new AccountingBatchProcessor(counting, { ...OPTIONS, ...options });
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const end = (n: number) => {
    for (let i = 0; i < n; i++) provider.getTracer('t').startSpan(`s${i}`).end();
  };
  return { processor, provider, end, events, attempts: () => events.filter((e) => e.startsWith('export')).length };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

let endpoint: ScriptedEndpoint;
const providers: BasicTracerProvider[] = [];
let handle: TracerHandle | undefined;

beforeEach(async () => {
  const quiet: DiagLogger = { error() {}, warn() {}, info() {}, debug() {}, verbose() {} };
  diag.setLogger(quiet, { logLevel: DiagLogLevel.NONE, suppressOverrideMessage: true });
  endpoint = await startScriptedEndpoint();
});

afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
  await endpoint.close();
  diag.disable();
});

function setup(url: string, options: Partial<AccountingBatchOptions> = {}) {
  const t = pipeline(url, options);
  providers.push(t.provider);
  return t;
}

describe('the OTLP exporter under the batch processor', () => {
  it.each([408, 429, 500, 502, 503, 504])('makes one request per attempt on %i, which keeps the batch for a retry', async (status) => {
    endpoint.answer = () => status;
    const t = setup(endpoint.url);
    t.end(5);
    await t.processor.forceFlush();
    expect(endpoint.requests).toEqual([5]);
    expect(t.attempts()).toBe(1);
    expect(t.processor.stats()).toMatchObject({ failedExports: 1, consecutiveFailures: 1, pending: 5, exported: 0, dropped: { total: 0 } });
    // The retry sends the same spans, again one request for one attempt.
    endpoint.answer = () => 200;
    await t.processor.forceFlush();
    expect(endpoint.requests).toEqual([5, 5]);
    expect(t.attempts()).toBe(2);
    expect(t.processor.stats()).toMatchObject({ exported: 5, pending: 0, consecutiveFailures: 0, dropped: { total: 0 } });
  });

  it.each([400, 401, 403, 404, 415])('makes one request on %i and drops the batch as refused for good', async (status) => {
    endpoint.answer = () => status;
    const t = setup(endpoint.url);
    t.end(5);
    await t.processor.forceFlush();
    expect(endpoint.requests).toEqual([5]);
    expect(t.processor.stats()).toMatchObject({ failedExports: 1, pending: 0, dropped: { exportFailed: 5, total: 5 } });
  });

  it('sends a batch the endpoint finds too large (413) again in halves, one request each', async () => {
    endpoint.answer = (spans) => (spans > 2 ? 413 : 200);
    const t = setup(endpoint.url, { scheduledDelayMillis: 1 });
    t.end(5);
    await until(() => t.processor.stats().exported === 5, 'all 5 exported');
    // Halved after each 413 (and grown back after each success): 5, 2, then whatever fits.
    expect(endpoint.requests.slice(0, 2)).toEqual([5, 2]);
    expect(endpoint.requests.filter((n) => n <= 2).reduce((a, b) => a + b, 0)).toBe(5);
    expect(t.attempts()).toBe(endpoint.requests.length);
    expect(t.processor.stats()).toMatchObject({ failedExports: 0, dropped: { total: 0 } });
  });

  it('counts a request the endpoint never answers as timed out, not retried (it may have arrived)', async () => {
    endpoint.answer = () => 'hang';
    const t = setup(endpoint.url, { exportTimeoutMillis: 100 });
    t.end(3);
    await t.processor.forceFlush();
    expect(endpoint.requests).toEqual([3]);
    expect(t.processor.stats()).toMatchObject({ failedExports: 1, pending: 0, dropped: { exportTimeout: 3 } });
  });

  it('reports a refused connection within the attempt that made it: one connection, one failed request, batch kept', async () => {
    const port = await closedPort();
    const t = setup(`http://127.0.0.1:${port}/v1/traces`);
    t.end(4);
    const connections = countConnectionAttempts();
    try {
      await t.processor.forceFlush();
      expect(connections.count()).toBe(1);
      expect(t.events).toEqual(['export 4', 'failed']);
      expect(t.processor.stats()).toMatchObject({ failedExports: 1, consecutiveFailures: 1, pending: 4, dropped: { total: 0 } });
      await t.processor.forceFlush();
      expect(connections.count()).toBe(2);
      expect(t.events).toEqual(['export 4', 'failed', 'export 4', 'failed']);
      expect(t.processor.stats()).toMatchObject({ failedExports: 2, consecutiveFailures: 2, pending: 4, dropped: { total: 0 } });
    } finally {
      connections.stop();
    }
  });

  it('makes one connection per attempt when the endpoint resets it, and keeps the batch', async () => {
    const resetting = await startResettingServer();
    try {
      const t = setup(resetting.url);
      t.end(3);
      await t.processor.forceFlush();
      await t.processor.forceFlush();
      expect(resetting.connections()).toBe(2);
      expect(t.attempts()).toBe(2);
      expect(t.processor.stats()).toMatchObject({ failedExports: 2, pending: 3, dropped: { total: 0 } });
    } finally {
      await resetting.close();
    }
  });

  it('makes init() count a refused connection as one failed request at the first flush', async () => {
    const port = await closedPort();
    const logger = { error() {}, warn() {} };
    handle = init({ endpoint: `http://127.0.0.1:${port}/v1/traces`, logger, handleExit: false, http: false, queues: false, shutdownTimeoutMillis: 50 });
    const { trace } = await import('@opentelemetry/api');
    trace.getTracer('t').startSpan('s').end();
    await handle.forceFlush();
    expect(handle.stats()).toMatchObject({ failedExports: 1, consecutiveFailures: 1, pending: 1, dropped: { total: 0 } });
  });
});

describe('classification of errors from any exporter', () => {
  const withCode = (code: unknown, name = 'Error') => Object.assign(new Error('text that says nothing'), { code, name });
  const cases: [string, Error, 'kept' | 'exportFailed' | 'exportTimeout'][] = [
    ['ECONNRESET', withCode('ECONNRESET'), 'kept'],
    ['ETIMEDOUT (connect timeout)', withCode('ETIMEDOUT'), 'kept'],
    ['EAI_AGAIN', withCode('EAI_AGAIN'), 'kept'],
    ['ENOTFOUND', withCode('ENOTFOUND'), 'kept'],
    ['EPIPE', withCode('EPIPE'), 'kept'],
    ['fetch failed, caused by UND_ERR_SOCKET', new TypeError('fetch failed', { cause: withCode('UND_ERR_SOCKET') }), 'kept'],
    ['fetch failed, caused by ECONNREFUSED', new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') }), 'kept'],
    ['UND_ERR_HEADERS_TIMEOUT (sent, unanswered)', withCode('UND_ERR_HEADERS_TIMEOUT'), 'exportTimeout'],
    ['HTTP 503 on an OTLPExporterError', withCode(503, 'OTLPExporterError'), 'kept'],
    ['OTLPExporterError without status (gave up on a retryable one)', withCode(undefined, 'OTLPExporterError'), 'kept'],
    ['HTTP 422', withCode(422, 'OTLPExporterError'), 'exportFailed'],
    ['a TimeoutError', Object.assign(new Error('x'), { name: 'TimeoutError' }), 'exportTimeout'],
    ['an unknown code', withCode('EPROTO'), 'exportFailed'],
    ['a message that mentions a timeout, and nothing else', new Error('Request timed out'), 'exportFailed'],
    ['a message that says retryable, and nothing else', new Error('Export failed with retryable status'), 'exportFailed'],
  ];

  it.each(cases)('%s', async (_name, error, expected) => {
    const exporter: SpanExporter = { export: (_s, done: (r: ExportResult) => void) => done({ code: ExportResultCode.FAILED, error }), shutdown: async () => {} };
    const processor = new AccountingBatchProcessor(exporter, OPTIONS);
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    for (let i = 0; i < 3; i++) provider.getTracer('t').startSpan('s').end();
    await processor.forceFlush();
    const s = processor.stats();
    expect(s.failedExports).toBe(1);
    if (expected === 'kept') expect(s).toMatchObject({ pending: 3, dropped: { total: 0 } });
    else expect(s).toMatchObject({ pending: 0, dropped: { [expected]: 3, total: 3 } });
  });
});
