import { SpanStatusCode } from '@opentelemetry/api';
import { useTracing } from '@agentrace/testing/vitest';
import { step, traced } from '@agentrace/decorators';
import { describe, expect, it } from 'vitest';
import { isChildOf, spanNamed } from './utils/spans.js';

const tracing = useTracing();

describe('retries', () => {
  it('each attempt is a child span with its number; backoff is an event on the step', async () => {
    let calls = 0;
    const flaky = traced(
      'flaky',
      async (x: number) => {
        calls++;
        if (calls < 3) throw new Error(`attempt ${calls} failed`);
        return x * 10;
      },
      { retry: { attempts: 4, backoff: (n) => n } },
    );
    expect(await flaky(2)).toBe(20);
    const spans = tracing.spans();
    const parent = spanNamed(spans, 'flaky');
    const attempts = spans.filter((s) => s.name === 'flaky attempt');
    expect(attempts.map((s) => s.attributes['agentrace.retry.attempt'])).toEqual([1, 2, 3]);
    expect(attempts.every((s) => isChildOf(s, parent))).toBe(true);
    expect(attempts.map((s) => s.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(parent.status.code).toBe(SpanStatusCode.UNSET);
    const retries = parent.events.filter((e) => e.name === 'retry');
    expect(retries.map((e) => e.attributes)).toEqual([
      { 'agentrace.retry.attempt': 1, 'agentrace.retry.backoff_ms': 1, 'error.type': 'Error' },
      { 'agentrace.retry.attempt': 2, 'agentrace.retry.backoff_ms': 2, 'error.type': 'Error' },
    ]);
  });

  it('gives up after the last attempt with the same error object', async () => {
    const errors: Error[] = [];
    const always = traced(
      'always',
      async () => {
        const e = new Error(`fail ${errors.length}`);
        errors.push(e);
        throw e;
      },
      { retry: { attempts: 2, backoff: () => 0 } },
    );
    const thrown = await always().catch((e: unknown) => e);
    expect(errors).toHaveLength(2);
    expect(thrown).toBe(errors[1]);
    const parent = spanNamed(tracing.spans(), 'always');
    expect(parent.status.code).toBe(SpanStatusCode.ERROR);
    // The last attempt recorded the exception; the parent names it rather than repeating it.
    expect(parent.status.message).toBe('"always attempt" failed: fail 1');
    expect(parent.events.filter((e) => e.name === 'exception')).toEqual([]);
  });

  it('retryOn decides; a sync function is never made async', async () => {
    let n = 0;
    const picky = traced(
      'picky',
      async () => {
        n++;
        throw new TypeError('bad input');
      },
      { retry: { attempts: 5, retryOn: (e) => !(e instanceof TypeError) } },
    );
    await expect(picky()).rejects.toBeInstanceOf(TypeError);
    expect(n).toBe(1);
    const sync = traced('sync-retry', (x: number) => x + 1, { retry: 3 });
    expect(sync(1)).toBe(2);
    const boom = new Error('sync');
    const syncThrow = traced(
      'sync-throw',
      () => {
        throw boom;
      },
      { retry: 3 },
    );
    expect(() => syncThrow()).toThrow(boom);
  });
});

describe('cancellation', () => {
  it('an AbortSignal that aborts the step records a cancelled event and status', async () => {
    const controller = new AbortController();
    class Fetcher {
      @step() async fetch(url: string, init: { signal: AbortSignal }): Promise<string> {
        return new Promise((resolve, reject) => {
          const t = setTimeout(() => resolve(url), 10_000);
          init.signal.addEventListener('abort', () => {
            clearTimeout(t);
            reject(init.signal.reason);
          });
        });
      }
    }
    const pending = new Fetcher().fetch('http://x', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const span = spanNamed(tracing.spans(), 'fetch');
    expect(span.events.map((e) => e.name)).toContain('cancelled');
    expect(span.attributes['agentrace.cancelled']).toBe(true);
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'cancelled' });
    expect(span.attributes['error.type']).toBe('AbortError');
  });

  it('the signal option picks the signal; abort stops retrying', async () => {
    const controller = new AbortController();
    let calls = 0;
    const f = traced(
      'abortable',
      async (_job: { abort: AbortSignal }) => {
        calls++;
        if (calls === 1) setTimeout(() => controller.abort(new Error('shutdown')), 5);
        throw new Error('transient');
      },
      { retry: { attempts: 5, backoff: () => 60_000 }, signal: (job) => job.abort },
    );
    await expect(f({ abort: controller.signal })).rejects.toThrow('transient');
    expect(calls).toBe(1);
    const span = spanNamed(tracing.spans(), 'abortable');
    expect(span.events.find((e) => e.name === 'cancelled')?.attributes?.['agentrace.cancel.reason']).toBe('Error: shutdown');
  });

  it('an already aborted signal is recorded at the start', async () => {
    const signal = AbortSignal.abort();
    const f = traced('pre-aborted', async (s: AbortSignal) => s.aborted);
    expect(await f(signal)).toBe(true);
    expect(spanNamed(tracing.spans(), 'pre-aborted').status.message).toBe('cancelled');
  });
});
