import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { errorType, isAbortError, isTimeoutError, recordFailure } from '../src/errors.js';

class PaymentDeclined extends Error {}

/** What AbortSignal.timeout() and AbortController.abort() really reject with. */
async function rejectionOf(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}

describe('errorType', () => {
  it('gives exact values by the conventions', async () => {
    expect(errorType(new PaymentDeclined('no'))).toBe('PaymentDeclined');
    expect(errorType(new TypeError('bad'))).toBe('TypeError');
    expect(errorType(new Error('plain'))).toBe('Error');
    expect(errorType('a thrown string')).toBe('_OTHER');
    expect(errorType(42)).toBe('_OTHER');
    expect(errorType(undefined)).toBe('_OTHER');
    expect(errorType({ message: 'plain object' })).toBe('_OTHER');
    expect(errorType(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    const timeout = await rejectionOf(AbortSignal.timeout(1));
    expect(errorType(timeout)).toBe('TimeoutError');
    const controller = new AbortController();
    const aborted = rejectionOf(controller.signal);
    controller.abort();
    expect(errorType(await aborted)).toBe('AbortError');
    // undici wraps a timeout in an AbortError whose cause is the TimeoutError.
    const wrapped = Object.assign(new DOMException('aborted', 'AbortError'), { cause: timeout });
    expect(errorType(wrapped)).toBe('TimeoutError');
  });

  it('tells aborts from timeouts', async () => {
    const timeout = await rejectionOf(AbortSignal.timeout(1));
    expect(isTimeoutError(timeout)).toBe(true);
    expect(isAbortError(timeout)).toBe(false);
    const controller = new AbortController();
    controller.abort();
    expect(isAbortError(controller.signal.reason)).toBe(true);
    expect(isTimeoutError(controller.signal.reason)).toBe(false);
    expect(isAbortError(Object.assign(new Error('x'), { code: 'ABORT_ERR' }))).toBe(true);
  });

  it('never throws on hostile values', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const trapping = new Proxy({}, { get: () => { throw new Error('trap'); }, getPrototypeOf: () => { throw new Error('trap'); } });
    const longName = Object.assign(new Error('x'), { name: 'N'.repeat(10_000) });
    expect(errorType(proxy)).toBe('_OTHER');
    expect(errorType(trapping)).toBe('_OTHER');
    expect(errorType(longName).length).toBeLessThanOrEqual(256);
    expect(isAbortError(proxy)).toBe(false);
    expect(isTimeoutError(trapping)).toBe(false);
  });
});

describe('recordFailure', () => {
  it('records a masked exception, ERROR status and error.type, and never throws', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('t');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const thrown of [new PaymentDeclined('token=abc123secret'), 'a thrown string', proxy]) {
      const span = tracer.startSpan('op');
      expect(() => recordFailure(span, thrown)).not.toThrow();
      span.end();
    }
    const [subclass, text, revoked] = exporter.getFinishedSpans();
    expect(subclass!.attributes['error.type']).toBe('PaymentDeclined');
    expect(subclass!.status.code).toBe(SpanStatusCode.ERROR);
    expect(subclass!.status.message).not.toContain('abc123secret');
    expect(subclass!.events[0]!.name).toBe('exception');
    expect(text!.attributes['error.type']).toBe('_OTHER');
    expect(text!.status.message).toBe('a thrown string');
    expect(revoked!.attributes['error.type']).toBe('_OTHER');
    expect(revoked!.status.code).toBe(SpanStatusCode.ERROR);
  });
});
