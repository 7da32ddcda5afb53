// No provider registered, or an unsampled span: no attribute work, no serialization, same behaviour.
import { context, trace } from '@opentelemetry/api';
import { remoteParentContext, setupTracing } from '@agentrace/testing';
import { installGlobals } from '@agentrace/tracer';
import { captureDiag } from './utils/spans.js';
import { correlationId, run, step, traced } from '@agentrace/decorators';
import { describe, expect, it } from 'vitest';

function counters() {
  const c = { mapper: 0, result: 0, getter: 0 };
  const arg = {
    get secretive() {
      c.getter++;
      return 'x';
    },
  };
  const options = {
    capture: true,
    attributes: () => {
      c.mapper++;
      return {};
    },
    resultAttributes: () => {
      c.result++;
      return {};
    },
  };
  return { c, arg, options };
}

describe('fast path', () => {
  it('with no provider: the function is called straight through, mappers and capture never run', async () => {
    const { c, arg, options } = counters();
    const f = traced('noop', async (a: typeof arg) => (a ? 1 : 0), options);
    expect(await f(arg)).toBe(1);
    expect(c).toEqual({ mapper: 0, result: 0, getter: 0 });
    let calls = 0;
    const flaky = traced(
      'noop-retry',
      async () => {
        if (++calls < 2) throw new Error('once');
        return 'ok';
      },
      { retry: { attempts: 2, backoff: () => 0 } },
    );
    expect(await flaky()).toBe('ok'); // retry is behaviour: it still happens
  });

  it('unsampled: children stay in the (unsampled) trace, nothing is recorded or serialized, correlation still works', async () => {
    const tracing = setupTracing();
    try {
      const { c, arg, options } = counters();
      class Unsampled {
        @run({ ...options, correlationId: 'cid' }) async handle(a: typeof arg): Promise<[string | undefined, string | undefined]> {
          return [await this.inner(a), trace.getActiveSpan()?.spanContext().traceId];
        }
        @step(options) async inner(_a: typeof arg): Promise<string | undefined> {
          return correlationId();
        }
      }
      const parent = remoteParentContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), sampled: false });
      const [cid, traceId] = await context.with(parent, () => new Unsampled().handle(arg));
      expect(cid).toBe('cid');
      expect(traceId).toBe('1'.repeat(32));
      expect(c).toEqual({ mapper: 0, result: 0, getter: 0 });
      expect(tracing.spans()).toHaveLength(0);

      // The same class, sampled: mappers and capture do run (the counters above are live).
      await new Unsampled().handle(arg);
      expect(c.mapper).toBe(2);
      expect(c.getter).toBeGreaterThan(0);
      expect(tracing.spans()).toHaveLength(2);
    } finally {
      await tracing.shutdown();
    }
  });

  it('a provider whose tracer throws never breaks the agent: reported once, the call runs untraced', async () => {
    const diagCapture = captureDiag();
    const broken = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('broken SDK');
        },
        startActiveSpan: () => {
          throw new Error('broken SDK');
        },
      }),
    };
    const uninstall = installGlobals(broken as never);
    try {
      const f = traced('with-broken-sdk', async (x: number) => x * 3);
      expect(await f(2)).toBe(6);
      expect(await f(3)).toBe(9);
      const errors = diagCapture.messages.filter((m) => m.text.includes('starting the span'));
      expect(errors).toHaveLength(1);
    } finally {
      uninstall();
      diagCapture.restore();
    }
  });
});
