// Issue 8, drop accounting: every span that does not reach the exporter is counted by cause, the
// counts are readable, reported at most once a minute with the totals, and written at shutdown; a
// transient export failure keeps the batch and retries it; 'wait' mode loses nothing for callers that wait.
import { DiagLogLevel, diag, type DiagLogger } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccountingBatchProcessor, init, type AccountingBatchOptions, type TracerHandle } from '@agentrace/tracer';

type Behaviour = (spans: ReadableSpan[]) => ExportResult | 'hang' | 'later';

/** An exporter whose answer to each export is decided by the test. */
function exporter(behaviour: Behaviour) {
  const received: string[] = [];
  const calls: number[] = [];
  const exp: SpanExporter = {
    export(spans, done) {
      calls.push(spans.length);
      const r = behaviour(spans);
      if (r === 'hang') return;
      if (r === 'later') {
        setImmediate(() => {
          received.push(...spans.map((s) => s.name));
          done({ code: ExportResultCode.SUCCESS });
        });
        return;
      }
      if (r.code === ExportResultCode.SUCCESS) received.push(...spans.map((s) => s.name));
      done(r);
    },
    shutdown: async () => {},
  };
  return { exp, received, calls };
}

const ok: ExportResult = { code: ExportResultCode.SUCCESS };
const refused = (): ExportResult => ({ code: ExportResultCode.FAILED, error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
const badRequest = (): ExportResult => ({ code: ExportResultCode.FAILED, error: Object.assign(new Error('Bad Request'), { code: 400 }) });

const BASE: AccountingBatchOptions = {
  maxQueueSize: 100,
  maxQueueBytes: 1 << 30,
  maxExportBatchSize: 50,
  scheduledDelayMillis: 10,
  exportTimeoutMillis: 200,
  overflow: 'drop',
  describeTarget: 'the test exporter',
};

function setup(behaviour: Behaviour, options: Partial<AccountingBatchOptions> = {}, spanLimits = {}) {
  const e = exporter(behaviour);
  const processor = new AccountingBatchProcessor(e.exp, { ...BASE, ...options });
  const provider = new BasicTracerProvider({ spanProcessors: [processor], spanLimits });
  const tracer = provider.getTracer('t');
  const end = (n: number, prefix = 's') => {
    for (let i = 0; i < n; i++) tracer.startSpan(`${prefix}${i}`).end();
  };
  return { ...e, processor, provider, tracer, end };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

function captureDiag() {
  const lines: string[] = [];
  const logger: DiagLogger = {
    error: (m, ...a) => lines.push(`error ${m} ${a.join(' ')}`),
    warn: (m, ...a) => lines.push(`warn ${m} ${a.join(' ')}`),
    info: (m, ...a) => lines.push(`info ${m} ${a.join(' ')}`),
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true });
  return lines;
}

let handle: TracerHandle | undefined;
afterEach(async () => {
  vi.useRealTimers();
  diag.disable();
  await handle?.shutdown();
  handle = undefined;
});

describe('drop accounting', () => {
  it('counts spans refused by a full queue, and every span is either exported or counted', async () => {
    captureDiag();
    const t = setup(() => ok);
    t.end(250);
    expect(t.processor.stats().dropped.queueFull).toBe(150);
    await t.processor.forceFlush();
    const s = t.processor.stats();
    expect(s.exported).toBe(100);
    expect(s.exported + s.pending + s.dropped.total).toBe(250);
    expect(t.received).toHaveLength(100);
  });

  it('keeps a batch the endpoint refused for a transient reason and sends it again after a backoff', async () => {
    captureDiag();
    let failuresLeft = 2;
    const t = setup(() => (failuresLeft-- > 0 ? refused() : ok));
    t.end(40);
    await until(() => t.processor.stats().exported === 40, 'all 40 exported');
    const s = t.processor.stats();
    expect(s.dropped.total).toBe(0);
    expect(s.consecutiveFailures).toBe(0);
    // Two refusals, then the same 40 spans in one batch.
    expect(t.calls).toEqual([40, 40, 40]);
    expect(t.received).toHaveLength(40);
  });

  it('drops and counts a batch the endpoint refuses for good (4xx)', async () => {
    captureDiag();
    const t = setup(() => badRequest());
    t.end(30);
    await until(() => t.processor.stats().dropped.exportFailed === 30, 'counted as export failed');
    expect(t.processor.stats().pending).toBe(0);
  });

  it('sends a batch the endpoint finds too large (413) again in halves, losing nothing', async () => {
    captureDiag();
    const tooLarge = (): ExportResult => ({ code: ExportResultCode.FAILED, error: Object.assign(new Error('Payload Too Large'), { code: 413 }) });
    const t = setup((spans) => (spans.length > 10 ? tooLarge() : ok));
    t.end(40);
    await until(() => t.processor.stats().exported === 40, 'all 40 exported');
    expect(t.processor.stats().dropped.total).toBe(0);
    expect(t.calls.slice(0, 3)).toEqual([40, 20, 10]);
  });

  it('admits only an eighth of the queue while exports fail: an outage lasts, a burst does not', async () => {
    captureDiag();
    const t = setup(() => refused(), { maxQueueSize: 160, maxExportBatchSize: 10, scheduledDelayMillis: 1 });
    t.end(10);
    await until(() => t.processor.stats().consecutiveFailures > 0, 'a failed export');
    t.end(100);
    const s = t.processor.stats();
    expect(s.pending).toBe(20);
    expect(s.dropped.queueFull).toBe(90);
  });

  it('bounds the queue by estimated bytes too, so large spans cannot fill memory under the count bound', async () => {
    captureDiag();
    const t = setup(() => ok, { maxQueueSize: 1000, maxQueueBytes: 100_000, scheduledDelayMillis: 600_000 });
    const big = 'x'.repeat(8192);
    for (let i = 0; i < 50; i++) t.tracer.startSpan('large', { attributes: { 'agent.input': big } }).end();
    const s = t.processor.stats();
    // About 9.2 KB each: 10 fit in 100,000 bytes.
    expect(s.pending).toBe(10);
    expect(s.pendingBytes).toBeLessThanOrEqual(100_000);
    expect(s.dropped.queueFull).toBe(40);
    // Small spans (about 1 KB each) still fit in the 7 KB left.
    t.end(5, 'small');
    expect(t.processor.stats().pending).toBe(15);
  });

  it('counts an export that never answers as timed out', async () => {
    captureDiag();
    const t = setup(() => 'hang', { exportTimeoutMillis: 50 });
    t.end(20);
    await until(() => t.processor.stats().dropped.exportTimeout === 20, 'counted as timed out');
  });

  it('counts attributes, events and links cut by the span limits', async () => {
    const t = setup(() => ok, {}, { attributeCountLimit: 2, eventCountLimit: 1 });
    const span = t.tracer.startSpan('limited');
    span.setAttributes({ a: 1, b: 2, c: 3, d: 4 });
    span.addEvent('e1');
    span.addEvent('e2');
    span.addEvent('e3');
    span.end();
    expect(t.processor.stats().limited).toEqual({ attributes: 2, events: 2, links: 0 });
    await t.processor.shutdown();
  });

  it('reports the first drop at once, then at most once a minute with the totals', async () => {
    vi.useFakeTimers();
    const lines = captureDiag();
    // Its own target name: a processor of an earlier test may still report on the shared logger.
    const t = setup(() => ok, { maxQueueSize: 10, maxExportBatchSize: 10, scheduledDelayMillis: 600_000, describeTarget: 'the reporting exporter' });
    const mine = () => lines.filter((l) => l.includes('dropped') && l.includes('the reporting exporter'));
    t.end(15);
    await vi.advanceTimersByTimeAsync(1);
    expect(mine()).toEqual([expect.stringContaining('5 spans dropped in the last minute')]);
    // More drops in the same minute: no new line until the minute is over.
    t.end(30);
    await vi.advanceTimersByTimeAsync(1);
    t.end(30);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(mine()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    const reports = mine();
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatch(/spans dropped in the last minute .*since start: \d+ dropped \(queue full \d+/);
  });

  it('writes the totals at shutdown', async () => {
    const lines = captureDiag();
    const t = setup(() => ok, { maxQueueSize: 10, maxExportBatchSize: 10 });
    t.end(12);
    await t.provider.shutdown();
    expect(lines.some((l) => l.startsWith('warn') && l.includes('since start: 2 dropped (queue full 2'))).toBe(true);
  });
});

describe("overflow: 'wait'", () => {
  it('loses nothing when the producer awaits waitForCapacity(); drop mode loses spans in the same loop', async () => {
    captureDiag();
    const produce = async (overflow: 'drop' | 'wait') => {
      const t = setup(() => 'later', { overflow, maxQueueSize: 20, maxExportBatchSize: 10, scheduledDelayMillis: 1 });
      for (let i = 0; i < 500; i++) {
        await t.processor.waitForCapacity();
        // A unit of work that ends a few spans at once.
        t.end(5, `w${i}-`);
      }
      await t.processor.forceFlush();
      await until(() => t.processor.stats().pending === 0, 'queue drained');
      return { stats: t.processor.stats(), received: t.received.length };
    };
    const waited = await produce('wait');
    expect(waited.stats.dropped.total).toBe(0);
    expect(waited.received).toBe(2500);
    const dropped = await produce('drop');
    expect(dropped.stats.dropped.queueFull).toBeGreaterThan(0);
    expect(dropped.received + dropped.stats.dropped.total).toBe(2500);
  });
});

describe('the tracer handle', () => {
  it('gives the export counts by cause and never rejects', async () => {
    const failing = { export: (_s: unknown, done: (r: ExportResult) => void) => done(badRequest()), shutdown: async () => {} };
    const logger = { error: () => {}, warn: () => {} };
    handle = init({ exporter: failing as never, logger, handleExit: false, http: false, queues: false, batch: { scheduledDelayMillis: 1 } });
    const { trace } = await import('@opentelemetry/api');
    for (let i = 0; i < 7; i++) trace.getTracer('t').startSpan('x').end();
    await handle.forceFlush();
    expect(handle.stats().dropped).toMatchObject({ exportFailed: 7, total: 7 });
    await expect(handle.waitForCapacity()).resolves.toBeUndefined();
  });
});
