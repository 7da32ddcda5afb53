import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { init, type TracerHandle } from '@agentrace/tracer';
import { RateLimitedLogger } from '../src/diagnostics.js';

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    logger: {
      error: (message: string) => lines.push({ level: 'error', message }),
      warn: (message: string) => lines.push({ level: 'warn', message }),
      info: (message: string) => lines.push({ level: 'info', message }),
      debug: (message: string) => lines.push({ level: 'debug', message }),
    },
  };
}

let handle: TracerHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

describe('init', () => {
  it('returns the first handle on a second call and says so once', () => {
    const { lines, logger } = recordingLogger();
    handle = init({ serviceName: 'twice', exporter: 'none', logger, handleExit: false, http: false, queues: false });
    const again = init({ serviceName: 'other' });
    const third = init();
    expect(again).toBe(handle);
    expect(third).toBe(handle);
    expect(handle.config?.serviceName).toBe('twice');
    const warnings = lines.filter((l) => l.message.includes('init() was called again'));
    expect(warnings).toHaveLength(1);
  });

  it('can start again after shutdown', async () => {
    const first = init({ serviceName: 'a', exporter: 'none', handleExit: false, http: false, queues: false });
    await first.shutdown();
    handle = init({ serviceName: 'b', exporter: 'none', handleExit: false, http: false, queues: false });
    expect(handle).not.toBe(first);
    expect(handle.config?.serviceName).toBe('b');
  });

  it('registers a real provider whose spans are recorded', () => {
    handle = init({ serviceName: 'rec', exporter: 'none', handleExit: false, http: false, queues: false });
    const span = trace.getTracer('t').startSpan('s');
    expect(span.isRecording()).toBe(true);
    expect(span.spanContext().traceId).not.toBe('00000000000000000000000000000000');
    span.end();
  });

  it('reports an invalid option once through the logger, uses its default and traces, without throwing', () => {
    const { lines, logger } = recordingLogger();
    handle = init({ sampler: 'sometimes' as never, logger, exporter: 'none', handleExit: false, http: false, queues: false });
    expect(handle.enabled).toBe(true);
    expect(handle.config?.sampler).toBe('parentbased_always_on');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('warn');
    expect(lines[0]!.message).toContain('sampler is "sometimes"; accepted: always_on');
    expect(lines[0]!.message).toContain('using "parentbased_always_on" (the default) instead');
    expect(lines[0]!.message).not.toMatch(/\n\s+at /); // no stack trace
    expect(trace.getTracer('t').startSpan('x').isRecording()).toBe(true);
  });

  it('throws the problem instead with strict: true, and starts nothing', () => {
    expect(() => init({ sampler: 'sometimes' as never, strict: true })).toThrow(/sampler is "sometimes"/);
    expect(trace.getTracer('t').startSpan('x').isRecording()).toBe(false);
  });

  it('is a no-op with OTEL_SDK_DISABLED=true', async () => {
    process.env.OTEL_SDK_DISABLED = 'true';
    try {
      handle = init({ exporter: 'console', handleExit: false });
      expect(handle.enabled).toBe(false);
      expect(trace.getTracer('t').startSpan('x').isRecording()).toBe(false);
      await expect(handle.forceFlush()).resolves.toBeUndefined();
    } finally {
      delete process.env.OTEL_SDK_DISABLED;
    }
  });

  it('never rejects from forceFlush or shutdown, even with a failing exporter', async () => {
    const { lines, logger } = recordingLogger();
    const failing = {
      export: (_spans: unknown, done: (r: { code: number; error: Error }) => void) => done({ code: 1, error: new Error('boom') }),
      shutdown: () => Promise.reject(new Error('shutdown boom')),
    };
    handle = init({ exporter: failing as never, logger, handleExit: false, http: false, queues: false, shutdownTimeoutMillis: 200 });
    trace.getTracer('t').startSpan('x').end();
    await expect(handle.forceFlush()).resolves.toBeUndefined();
    await expect(handle.shutdown()).resolves.toBeUndefined();
    expect(lines.some((l) => l.level === 'error')).toBe(true);
  });
});

describe('exporter choice and diagnostics', () => {
  it('sends spans to a user SpanExporter and a user SpanProcessor', async () => {
    const exported: string[] = [];
    const ended: string[] = [];
    const exporter = {
      export: (spans: { name: string }[], done: (r: { code: number }) => void) => {
        exported.push(...spans.map((s) => s.name));
        done({ code: 0 });
      },
      shutdown: async () => {},
    };
    const processor = { onStart: () => {}, onEnd: (s: { name: string }) => ended.push(s.name), forceFlush: async () => {}, shutdown: async () => {} };
    handle = init({ exporter: [exporter as never, processor as never], handleExit: false, http: false, queues: false });
    trace.getTracer('t').startSpan('mine').end();
    await handle.forceFlush();
    expect(exported).toEqual(['mine']);
    expect(ended).toEqual(['mine']);
  });

  it('explains a failed export once, through the logger, naming the endpoint', async () => {
    const { lines, logger } = recordingLogger();
    // Port 9 (discard) is closed on loopback: the connection is refused at once.
    handle = init({ endpoint: 'http://127.0.0.1:9/v1/traces', logger, handleExit: false, http: false, queues: false });
    trace.getTracer('t').startSpan('s').end();
    await handle.forceFlush();
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('could not export 1 spans to http://127.0.0.1:9/v1/traces');
    expect(errors[0]!.message).toContain('ECONNREFUSED');
    expect(errors[0]!.message).toContain('is Jaeger (or another OTLP receiver) running there?');
  });
});

describe('RateLimitedLogger', () => {
  it('reports a distinct problem at most once a minute, then says how often it repeated', () => {
    let now = 0;
    const { lines, logger } = recordingLogger();
    const limited = new RateLimitedLogger(logger, () => now);
    limited.warn('Dropped 3 spans because maxQueueSize reached');
    limited.warn('Dropped 9 spans because maxQueueSize reached');
    limited.warn('Dropped 1 spans because maxQueueSize reached');
    limited.error('export failed');
    now = 59_000;
    limited.warn('Dropped 4 spans because maxQueueSize reached');
    now = 61_000;
    limited.warn('Dropped 5 spans because maxQueueSize reached');
    expect(lines).toEqual([
      { level: 'warn', message: 'Dropped 3 spans because maxQueueSize reached' },
      { level: 'error', message: 'export failed' },
      { level: 'warn', message: 'Dropped 5 spans because maxQueueSize reached (repeated 3 more times in the last minute)' },
    ]);
  });

  it('survives a logger that throws', () => {
    const limited = new RateLimitedLogger({ error: () => { throw new Error('x'); }, warn: () => { throw new Error('y'); } });
    expect(() => limited.error('a')).not.toThrow();
  });
});
