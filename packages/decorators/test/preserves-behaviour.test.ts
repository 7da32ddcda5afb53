// Decorated and undecorated side by side: same results, same thrown object, same `this`, same shape.
import fc from 'fast-check';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { run, step, tool, traced } from '@agentrace/decorators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let tracing: TestTracing;
beforeAll(() => {
  tracing = setupTracing();
});
afterAll(() => tracing.shutdown());

type Outcome = { kind: 'return'; value: unknown; sync: boolean } | { kind: 'throw'; error: unknown; sync: boolean };

async function outcome(call: () => unknown): Promise<Outcome> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return { kind: 'throw', error, sync: true };
  }
  if (result instanceof Promise) {
    try {
      return { kind: 'return', value: await result, sync: false };
    } catch (error) {
      return { kind: 'throw', error, sync: false };
    }
  }
  return { kind: 'return', value: result, sync: true };
}

class Plain {
  constructor(readonly tag: string) {}
  value(x: unknown): unknown {
    return x;
  }
  fail(x: unknown): never {
    throw x;
  }
  async avalue(x: unknown): Promise<unknown> {
    return x;
  }
  async afail(x: unknown): Promise<never> {
    throw x;
  }
  self(): this {
    return this;
  }
  args(...a: unknown[]): unknown[] {
    return a;
  }
}

class Decorated {
  constructor(readonly tag: string) {}
  @step() value(x: unknown): unknown {
    return x;
  }
  @tool() fail(x: unknown): never {
    throw x;
  }
  @run() async avalue(x: unknown): Promise<unknown> {
    return x;
  }
  @step() async afail(x: unknown): Promise<never> {
    throw x;
  }
  @step() self(): this {
    return this;
  }
  @step() args(...a: unknown[]): unknown[] {
    return a;
  }
}

const methods = ['value', 'fail', 'avalue', 'afail'] as const;

describe('behaviour is unchanged', () => {
  it('same results, same thrown objects, same sync/async shape, for any value', async () => {
    const plain = new Plain('p');
    const decorated = new Decorated('d');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...methods), fc.anything(), async (method, value) => {
        const a = await outcome(() => plain[method](value));
        const b = await outcome(() => decorated[method](value));
        expect(b.kind).toBe(a.kind);
        expect(b.sync).toBe(a.sync);
        if (a.kind === 'return' && b.kind === 'return') expect(b.value).toBe(a.value);
        if (a.kind === 'throw' && b.kind === 'throw') expect(b.error).toBe(a.error);
      }),
      { numRuns: 300 },
    );
  });

  it('same `this`, same arguments (count and identity)', () => {
    const d = new Decorated('d');
    expect(d.self()).toBe(d);
    const o = {};
    const got = d.args(o, undefined, 3);
    expect(got).toHaveLength(3);
    expect(got[0]).toBe(o);
    const bound = { tag: 'other' };
    expect(Decorated.prototype.self.call(bound as never)).toBe(bound);
  });

  it('a sync function stays sync, even when it returns a promise-looking value later', () => {
    const f = traced('sync', (n: number) => n * 2);
    const r = f(2);
    expect(r).toBe(4);
    expect(typeof (r as unknown as { then?: unknown }).then).toBe('undefined');
  });

  it('side effects happen at the same time: before the call returns', () => {
    const order: string[] = [];
    const f = traced('effects', async () => {
      order.push('body');
    });
    void f();
    order.push('after-call');
    expect(order).toEqual(['body', 'after-call']);
  });

  it('a rejected promise nobody handles still reaches unhandledRejection', async () => {
    const seen: unknown[] = [];
    const listener = (reason: unknown): void => void seen.push(reason);
    const listeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', listener);
    try {
      const boom = new Error('unhandled');
      void traced('unhandled', async () => {
        throw boom;
      })();
      await new Promise((r) => setTimeout(r, 20));
      expect(seen).toContain(boom);
    } finally {
      process.off('unhandledRejection', listener);
      for (const l of listeners) process.on('unhandledRejection', l);
    }
  });
});
