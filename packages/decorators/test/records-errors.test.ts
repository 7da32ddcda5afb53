import { SpanStatusCode } from '@opentelemetry/api';
import { useTracing } from '@agentrace/testing/vitest';
import { step, traced } from '@agentrace/decorators';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureDiag, spanNamed } from './utils/spans.js';

const tracing = useTracing();
let diagCapture: ReturnType<typeof captureDiag>;
beforeEach(() => {
  diagCapture = captureDiag();
});
afterEach(() => diagCapture.restore());

class RateLimited extends Error {}
class NotFound extends Error {
  override name = 'NotFound';
}

/** Calls a traced async function that throws `error`: the caller gets that very object; returns the span and its exception event. */
async function failedSpan(name: string, error: Error) {
  const f = traced(name, async () => {
    throw error;
  });
  await expect(f()).rejects.toBe(error);
  const span = spanNamed(tracing.spans(), name);
  return { span, event: span.events.find((e) => e.name === 'exception') };
}

describe('errors', () => {
  it('exception event with type, message and stack; ERROR status; error.type; same object rethrown', async () => {
    const { span, event } = await failedSpan('fails', new RateLimited('slow down'));
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'slow down' });
    expect(span.attributes['error.type']).toBe('RateLimited');
    expect(event?.attributes?.['exception.message']).toBe('slow down');
    expect(String(event?.attributes?.['exception.stacktrace'])).toContain('slow down');
    expect(event?.attributes?.['exception.type']).toBeDefined();
  });

  it('masks credentials quoted in the error (event message, stack, status) and still rethrows the same object', async () => {
    const boom = new Error('upstream answered 401 to Authorization: Bearer sk-live-abcdefghij0123456789 with x-api-key=k3y-1');
    const { span, event } = await failedSpan('calls upstream', boom);
    const recorded = JSON.stringify([span.status, event?.attributes]);
    expect(recorded).not.toMatch(/abcdefghij0123456789|k3y-1/);
    expect(span.status.message).toBe('upstream answered 401 to Authorization: Bearer REDACTED with x-api-key=REDACTED');
    expect(event?.attributes?.['exception.message']).toBe(span.status.message);
    expect(String(event?.attributes?.['exception.stacktrace'])).toContain('Bearer REDACTED');
    expect(event?.attributes?.['exception.type']).toBe('Error');
    expect(boom.message).toContain('abcdefghij0123456789');
  });

  it('non-Error throws are recorded too and rethrown as is', () => {
    const f = traced('throws-string', () => {
      throw 'plain string';
    });
    expect(() => f()).toThrow('plain string');
    const span = spanNamed(tracing.spans(), 'throws-string');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('_OTHER');
  });

  it('error.type is exact for a timeout and an abort, as in every package', async () => {
    const timesOut = traced('times-out', (signal: AbortSignal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
    );
    await expect(timesOut(AbortSignal.timeout(1))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(spanNamed(tracing.spans(), 'times-out').attributes['error.type']).toBe('TimeoutError');
    const controller = new AbortController();
    const aborts = traced('aborts', (signal: AbortSignal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
    );
    const pending = aborts(controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(spanNamed(tracing.spans(), 'aborts').attributes['error.type']).toBe('AbortError');
  });

  it('an error the method catches itself leaves the span OK', async () => {
    class Careful {
      @step() async risky(): Promise<never> {
        throw new Error('inner');
      }
      @step() async safe(): Promise<string> {
        try {
          await this.risky();
        } catch {
          return 'recovered';
        }
        return 'no';
      }
    }
    expect(await new Careful().safe()).toBe('recovered');
    expect(spanNamed(tracing.spans(), 'safe').status.code).toBe(SpanStatusCode.UNSET);
    expect(spanNamed(tracing.spans(), 'risky').status.code).toBe(SpanStatusCode.ERROR);
  });

  it('expected errors are not failures', async () => {
    const miss = new NotFound('no such user');
    const f = traced(
      'lookup',
      async () => {
        throw miss;
      },
      { expectedError: (e) => e instanceof NotFound },
    );
    await expect(f()).rejects.toBe(miss);
    const span = spanNamed(tracing.spans(), 'lookup');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.attributes['agentrace.error.expected']).toBe(true);
  });

  it('a failing attribute mapper is reported once through diag and skipped; the call is unaffected', async () => {
    const f = traced('mapped', async (x: number) => x + 1, {
      attributes: () => {
        throw new Error('mapper bug');
      },
      resultAttributes: (r: number) => ({ 'out.value': r }),
    });
    expect(await f(1)).toBe(2);
    expect(await f(2)).toBe(3);
    const errors = diagCapture.messages.filter((m) => m.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.text).toContain('attributes of "mapped" threw (mapper bug)');
    expect(tracing.spans().map((s) => s.attributes['out.value'])).toEqual([2, 3]);
  });

  it('bad options never throw: reported, then defaults', () => {
    const f = traced('bad', (x: number) => x, { retry: -1 as never });
    expect(f(1)).toBe(1);
    expect(diagCapture.messages.some((m) => m.text.includes('option retry of "bad"'))).toBe(true);
    const g = traced('bad2', 'not a function' as never);
    expect(g).toBe('not a function');
  });

  it('a decorator on something that is not a method is reported and leaves it alone', () => {
    const decorate = step() as unknown as (value: unknown, context: unknown) => unknown;
    expect(decorate(undefined, { kind: 'field', name: 'x' })).toBeUndefined();
    expect(diagCapture.messages.some((m) => m.text.includes('goes on a method'))).toBe(true);
  });
});
