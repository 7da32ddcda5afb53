import { SpanStatusCode } from '@opentelemetry/api';
import { setupTracing } from '@agentrace/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { verify } from '@agentrace/state';
import { inSpan, spanNamed } from './utils/spans.js';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

describe('verify', () => {
  it('runs the read-back as a child span with status OK when the system holds what was written', async () => {
    const store = new Map<string, string>();
    const ok = await inSpan('sync profile', async () => {
      store.set('user:1', 'Ada');
      return verify('crm holds profile', async () => store.get('user:1') === 'Ada');
    });
    expect(ok).toBe(true);
    const parent = spanNamed(tracing.spans(), 'sync profile');
    const check = spanNamed(tracing.spans(), 'verify crm holds profile');
    expect(check.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(check.status.code).toBe(SpanStatusCode.OK);
    expect(check.attributes).toMatchObject({ 'state.verify.name': 'crm holds profile', 'state.verified': true });
  });

  it('marks the span ERROR when the write did not land (an HTTP 200 is not proof)', async () => {
    const ok = await inSpan('sync', () => verify('crm holds profile', () => Promise.resolve(false)));
    expect(ok).toBe(false);
    const check = spanNamed(tracing.spans(), 'verify crm holds profile');
    expect(check.status.code).toBe(SpanStatusCode.ERROR);
    expect(check.status.message).toMatch(/missing or different/);
    expect(check.attributes['state.verified']).toBe(false);
  });

  it('masks credentials quoted in the error of a check that throws, and rethrows the same error', () => {
    const boom = new Error('read-back failed: Authorization: Bearer abcdefghijklmnop');
    expect(() =>
      inSpan('sync', () =>
        verify('token stored', () => {
          throw boom;
        }),
      ),
    ).toThrow(boom);
    const check = spanNamed(tracing.spans(), 'verify token stored');
    expect(check.status.message).toBe('verify token stored: the read-back check threw: read-back failed: Authorization: Bearer REDACTED');
    const event = check.events.find((e) => e.name === 'exception');
    expect(event?.attributes?.['exception.message']).toBe('read-back failed: Authorization: Bearer REDACTED');
    expect(JSON.stringify([check.attributes, check.events, check.status])).not.toContain('abcdefghijklmnop');
  });

  it('keeps a synchronous check synchronous', () => {
    const ok = inSpan('sync', () => verify('cache', () => true));
    expect(ok).toBe(true);
    expect(spanNamed(tracing.spans(), 'verify cache').status.code).toBe(SpanStatusCode.OK);
  });

  it('rethrows the same error the check threw (sync and async) and records it', async () => {
    const failure = new TypeError('connection reset');
    expect(() => inSpan('sync', () => verify('sync check', () => { throw failure; }))).toThrow(failure);
    await expect(inSpan('async', () => verify('async check', async () => { throw failure; }))).rejects.toBe(failure);
    for (const name of ['verify sync check', 'verify async check']) {
      const check = spanNamed(tracing.spans(), name);
      expect(check.status).toMatchObject({ code: SpanStatusCode.ERROR, message: expect.stringMatching(/threw: connection reset/) });
      expect(check.events.map((e) => e.name)).toEqual(['exception']);
      expect(check.attributes['error.type']).toBe('TypeError');
    }
  });

  it('error.type is exact for a subclass, a thrown string, a timeout and an abort, as in every package', async () => {
    class ReadBackFailed extends Error {}
    const controller = new AbortController();
    controller.abort();
    const timeout = await new Promise<unknown>((resolve) => {
      const signal = AbortSignal.timeout(1);
      signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
    });
    const cases: [string, unknown, string][] = [
      ['subclass', new ReadBackFailed('x'), 'ReadBackFailed'],
      ['string', 'plain string', '_OTHER'],
      ['timeout', timeout, 'TimeoutError'],
      ['abort', controller.signal.reason, 'AbortError'],
    ];
    for (const [name, thrown, type] of cases) {
      await expect(inSpan('s', () => verify(name, async () => { throw thrown; }))).rejects.toBe(thrown);
      expect(spanNamed(tracing.spans(), `verify ${name}`).attributes['error.type']).toBe(type);
    }
  });

  it('treats a non-boolean answer as a failed check', async () => {
    const out = await inSpan('sync', () => verify('sloppy', (async () => undefined) as never));
    expect(out).toBeUndefined();
    expect(spanNamed(tracing.spans(), 'verify sloppy').status.message).toMatch(/returned undefined, not a boolean/);
  });

  it('makes spans started inside the check its children', async () => {
    await inSpan('sync', () => verify('read back', async () => inSpan('GET /profile', () => true)));
    const check = spanNamed(tracing.spans(), 'verify read back');
    expect(spanNamed(tracing.spans(), 'GET /profile').parentSpanContext?.spanId).toBe(check.spanContext().spanId);
  });
});
