import { Writable } from 'node:stream';
import { useTracing } from '@agentrace/testing/vitest';
import { withContextCarrier } from '@agentrace/core';
import { context, propagation, trace } from '@opentelemetry/api';
import { pino } from 'pino';
import winston from 'winston';
import { describe, expect, it } from 'vitest';
import { getLogCorrelation, pinoLogCorrelation, winstonLogCorrelation, withConsoleCorrelation, type ConsoleLike } from '../src/logging.js';
import { traced } from '../src/traced.js';

const tracing = useTracing({ serviceName: 'logging-correlation' });

/** Runs `body` inside a decorated run with a known correlation id and a step below it; returns the step's span ids. */
async function inRun<T>(correlationId: string, body: () => T | Promise<T>): Promise<{ result: T; traceId: string; spanId: string }> {
  let ids = { traceId: '', spanId: '' };
  const step = traced('log-step', async () => {
    const sc = trace.getActiveSpan()!.spanContext();
    ids = { traceId: sc.traceId, spanId: sc.spanId };
    return body();
  });
  const run = traced('log-run', () => step(), { type: 'run', correlationId });
  const result = await run();
  return { result, ...ids };
}

describe('getLogCorrelation', () => {
  it('is empty outside any span or run', () => {
    expect(getLogCorrelation()).toEqual({});
  });

  it('gives trace id, span id, flags and the run correlation id inside a decorated run', async () => {
    const { result, traceId, spanId } = await inRun('corr-fields', () => getLogCorrelation());
    expect(result).toEqual({ trace_id: traceId, span_id: spanId, trace_flags: '01', correlation_id: 'corr-fields' });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reads the correlation id from baggage when the run came from another process', () => {
    const fields = withContextCarrier({ baggage: 'agentrace.correlation_id=from-baggage' }, () => getLogCorrelation());
    expect(fields).toEqual({ correlation_id: 'from-baggage' });
  });

  it('keeps each concurrent run apart', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        inRun(`corr-${i}`, async () => {
          await new Promise((r) => setTimeout(r, (i * 7) % 5));
          return getLogCorrelation();
        }),
      ),
    );
    results.forEach(({ result, spanId }, i) => {
      expect(result.correlation_id).toBe(`corr-${i}`);
      expect(result.span_id).toBe(spanId);
    });
  });
});

describe('console adapter', () => {
  function fakeConsole() {
    const lines: unknown[][] = [];
    const record = (...args: unknown[]) => void lines.push(args);
    const target: ConsoleLike = { log: record, info: record, warn: record, error: record, debug: record };
    return { target, lines };
  }

  it('prefixes each record inside a run and passes records through unchanged outside', async () => {
    const { target, lines } = fakeConsole();
    const log = withConsoleCorrelation(target);
    log.info('outside %s', 'x');
    const { traceId, spanId } = await inRun('corr-console', () => {
      log.warn('fetched %d', 3);
      log.error({ some: 'object' });
    });
    expect(lines[0]).toEqual(['outside %s', 'x']);
    expect(lines[1]).toEqual([`[trace_id=${traceId} span_id=${spanId} correlation_id=corr-console] fetched %d`, 3]);
    expect(lines[2]).toEqual([`[trace_id=${traceId} span_id=${spanId} correlation_id=corr-console]`, { some: 'object' }]);
  });

  it('appends the fields as an object in object mode', async () => {
    const { target, lines } = fakeConsole();
    const log = withConsoleCorrelation(target, { mode: 'object' });
    const { traceId } = await inRun('corr-object', () => log.log('hello'));
    expect(lines[0]).toEqual(['hello', expect.objectContaining({ trace_id: traceId, correlation_id: 'corr-object' })]);
  });

  it('wraps the real console without changing it', () => {
    const originalInfo = console.info;
    const log = withConsoleCorrelation();
    expect(typeof log.info).toBe('function');
    expect(console.info).toBe(originalInfo);
  });
});

describe('pino mixin (real pino)', () => {
  it('adds the fields to every record logged inside a run, nothing outside', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ mixin: pinoLogCorrelation(), base: undefined, timestamp: false }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    logger.info('outside');
    const { traceId, spanId } = await inRun('corr-pino', () => logger.info({ extra: 1 }, 'inside'));
    expect(lines[0]).toEqual({ level: 30, msg: 'outside' });
    expect(lines[1]).toEqual({ level: 30, msg: 'inside', extra: 1, trace_id: traceId, span_id: spanId, trace_flags: '01', correlation_id: 'corr-pino' });
  });
});

describe('winston format (real winston)', () => {
  it('adds the fields to every record logged inside a run, nothing outside', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const logger = winston.createLogger({
      format: winston.format.combine(winstonLogCorrelation(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream: sink })],
    });
    logger.info('outside');
    const { traceId, spanId } = await inRun('corr-winston', () => logger.warn('inside', { extra: 1 }));
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toEqual({ level: 'info', message: 'outside' });
    expect(lines[1]).toEqual({ level: 'warn', message: 'inside', extra: 1, trace_id: traceId, span_id: spanId, trace_flags: '01', correlation_id: 'corr-winston' });
    logger.close();
  });
});
