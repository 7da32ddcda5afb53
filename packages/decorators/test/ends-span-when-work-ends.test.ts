// Each function shape: the span ends when the work ends, not when the call returns.
import { Readable } from 'node:stream';
import { useTracing } from '@agentrace/testing/vitest';
import { configureDecorators, step, traced, withSpan } from '@agentrace/decorators';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isChildOf, spanNamed, tick } from './utils/spans.js';
import { resetDecoratorsConfig } from '../src/config.js';
import { openSpanCount } from '@agentrace/decorators';

const tracing = useTracing();
beforeEach(() => resetDecoratorsConfig());

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const inner = traced('inner', () => 'i');

describe('function shapes', () => {
  it('sync: ends on return and stays sync', () => {
    const f = traced('sync', (a: number) => a + 1);
    const r = f(1);
    expect(r).toBe(2);
    expect(spanNamed(tracing.spans(), 'sync').ended).toBe(true);
  });

  it('async: ends when the promise settles', async () => {
    const d = deferred<string>();
    const f = traced('async', async () => d.promise);
    const p = f();
    await tick();
    expect(tracing.spans()).toHaveLength(0);
    expect(openSpanCount()).toBe(1);
    d.resolve('v');
    expect(await p).toBe('v');
    expect(spanNamed(tracing.spans(), 'async').ended).toBe(true);
    expect(openSpanCount()).toBe(0);
  });

  it('a plain function returning a promise: ends when it settles', async () => {
    const d = deferred<number>();
    const f = traced('returns-promise', () => d.promise);
    const p = f();
    expect(p).toBeInstanceOf(Promise);
    await tick();
    expect(tracing.spans()).toHaveLength(0);
    d.resolve(3);
    expect(await p).toBe(3);
    expect(tracing.spans()).toHaveLength(1);
  });

  it('thenable: not touched until awaited, same object returned, ends when it settles', async () => {
    let thenCalls = 0;
    const lazy = {
      kind: 'query-builder',
      then(onF: (v: string) => unknown, onR?: (e: unknown) => unknown) {
        thenCalls++;
        return Promise.resolve('rows').then(onF, onR);
      },
    };
    const f = traced('thenable', () => lazy);
    const r = f();
    expect(r).toBe(lazy);
    await tick();
    expect(thenCalls).toBe(0);
    expect(tracing.spans()).toHaveLength(0);
    expect(await r).toBe('rows');
    expect(thenCalls).toBe(1);
    expect(spanNamed(tracing.spans(), 'thenable').ended).toBe(true);
  });

  it('a Promise subclass comes back as the same object, with its own members', async () => {
    class ApiPromise<T> extends Promise<T> {
      withResponse(): string {
        return 'extra';
      }
    }
    const p = new ApiPromise<number>((resolve) => setTimeout(() => resolve(7), 1));
    const f = traced('subclass', () => p);
    const r = f();
    expect(r).toBe(p);
    expect(r.withResponse()).toBe('extra');
    expect(await r).toBe(7);
    expect(spanNamed(tracing.spans(), 'subclass').ended).toBe(true);
  });

  it('generator: ends when iteration finishes; the body runs inside the span', () => {
    const f = traced('gen', function* (n: number) {
      for (let i = 0; i < n; i++) yield inner() + i;
    });
    const g = f(3);
    expect(tracing.spans()).toHaveLength(0);
    expect(Object.prototype.toString.call(g)).toBe('[object Generator]');
    expect([...g]).toEqual(['i0', 'i1', 'i2']);
    const spans = tracing.spans();
    const gen = spanNamed(spans, 'gen');
    expect(gen.attributes['agentrace.stream.chunks']).toBe(3);
    expect(spans.filter((s) => s.name === 'inner').every((s) => isChildOf(s, gen))).toBe(true);
  });

  it('generator: ends when the consumer breaks early, and on a throw', () => {
    const f = traced('gen-break', function* () {
      yield 1;
      yield 2;
      yield 3;
    });
    for (const v of f()) if (v === 1) break;
    expect(spanNamed(tracing.spans(), 'gen-break').status.code).toBe(0);
    const boom = new Error('gen boom');
    const g = traced('gen-throw', function* () {
      yield 1;
      throw boom;
    });
    const it1 = g();
    it1.next();
    expect(() => it1.next()).toThrow(boom);
    expect(spanNamed(tracing.spans(), 'gen-throw').status.code).toBe(2);
  });

  it('async generator: ends when iteration finishes, on break, on throw', async () => {
    const f = traced('agen', async function* () {
      yield inner();
      await tick();
      yield 'b';
    });
    const out: string[] = [];
    for await (const v of f()) out.push(v);
    expect(out).toEqual(['i', 'b']);
    const agen = spanNamed(tracing.spans(), 'agen');
    expect(agen.attributes['agentrace.stream.chunks']).toBe(2);
    expect(typeof agen.attributes['agentrace.stream.time_to_first_chunk_ms']).toBe('number');
    expect(isChildOf(spanNamed(tracing.spans(), 'inner'), agen)).toBe(true);

    tracing.reset();
    for await (const v of f()) if (v === 'i') break;
    expect(spanNamed(tracing.spans(), 'agen').ended).toBe(true);

    const boom = new Error('agen boom');
    const g = traced('agen-throw', async function* () {
      yield 1;
      throw boom;
    });
    await expect(async () => {
      for await (const _ of g()) void _;
    }).rejects.toBe(boom);
    expect(spanNamed(tracing.spans(), 'agen-throw').status.code).toBe(2);
  });

  it('an async method resolving to an async iterable: same object, ends when the iteration does', async () => {
    class SdkStream {
      extra = 'kept';
      async *[Symbol.asyncIterator]() {
        yield 'x';
        yield 'y';
      }
    }
    const stream = new SdkStream();
    const f = traced('sdk-stream', async () => stream);
    const r = await f();
    expect(r).toBe(stream);
    expect(r.extra).toBe('kept');
    expect(tracing.spans()).toHaveLength(0);
    const got: string[] = [];
    for await (const v of r) got.push(v);
    expect(got).toEqual(['x', 'y']);
    expect(spanNamed(tracing.spans(), 'sdk-stream').attributes['agentrace.stream.chunks']).toBe(2);
  });

  it('web ReadableStream: lazy pass-through with backpressure, counts chunks, ends on close', async () => {
    let pulls = 0;
    const source = new ReadableStream<number>(
      {
        pull(controller) {
          pulls++;
          if (pulls > 3) controller.close();
          else controller.enqueue(pulls);
        },
      },
      { highWaterMark: 0 },
    );
    const f = traced('web-stream', () => source);
    const out = f();
    await tick();
    expect(pulls).toBe(0); // nothing read before the consumer asks
    const reader = out.getReader();
    expect((await reader.read()).value).toBe(1);
    await tick();
    expect(pulls).toBe(1); // one chunk asked for, one pulled: no read-ahead
    expect(tracing.spans()).toHaveLength(0);
    expect((await reader.read()).value).toBe(2);
    expect((await reader.read()).value).toBe(3);
    expect((await reader.read()).done).toBe(true);
    const span = spanNamed(tracing.spans(), 'web-stream');
    expect(span.attributes['agentrace.stream.chunks']).toBe(3);
    expect(span.events.map((e) => e.name)).toContain('first_chunk');
  });

  it('web ReadableStream: cancel ends the span and cancels the source; an error ends it with ERROR', async () => {
    let cancelled: unknown;
    const f = traced('web-cancel', () => new ReadableStream({ pull: (c) => c.enqueue('a'), cancel: (r) => void (cancelled = r) }, { highWaterMark: 0 }));
    const reader = f().getReader();
    await reader.read();
    await reader.cancel('enough');
    expect(cancelled).toBe('enough');
    expect(spanNamed(tracing.spans(), 'web-cancel').ended).toBe(true);

    const boom = new Error('source failed');
    const g = traced('web-error', () => new ReadableStream({ pull: (c) => c.error(boom) }, { highWaterMark: 0 }));
    await expect(g().getReader().read()).rejects.toBe(boom);
    expect(spanNamed(tracing.spans(), 'web-error').status.code).toBe(2);
  });

  it('Node Readable: same object, flowing mode untouched, ends on end, counts chunks', async () => {
    let reads = 0;
    const source = new Readable({
      objectMode: true,
      highWaterMark: 1,
      read() {
        reads++;
        this.push(reads <= 3 ? `c${reads}` : null);
      },
    });
    const f = traced('node-stream', () => source);
    const out = f();
    expect(out).toBe(source);
    await tick();
    expect(source.readableFlowing).toBe(null); // not switched to flowing by the wrapper
    expect(tracing.spans()).toHaveLength(0);
    const got: string[] = [];
    for await (const c of out) got.push(c as string);
    expect(got).toEqual(['c1', 'c2', 'c3']);
    await tick();
    const span = spanNamed(tracing.spans(), 'node-stream');
    expect(span.attributes['agentrace.stream.chunks']).toBe(3);
  });

  it('Node Readable: an error ends the span with ERROR and still reaches the consumer', async () => {
    const boom = new Error('stream broke');
    const f = traced('node-error', () => new Readable({ read() { this.destroy(boom); } }));
    const out = f();
    await expect(new Promise((_, reject) => out.on('error', reject).resume())).rejects.toBe(boom);
    await tick();
    const span = spanNamed(tracing.spans(), 'node-error');
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe('Error');
  });

  it('a stream nobody consumes ends its span after the idle bound, marked abandoned', async () => {
    configureDecorators({ streamIdleTimeoutMs: 20 });
    const f = traced('abandoned', () => new ReadableStream({ pull: (c) => c.enqueue(1) }, { highWaterMark: 0 }));
    f();
    expect(openSpanCount()).toBe(1);
    await vi.waitFor(() => expect(tracing.spans()).toHaveLength(1), { timeout: 5_000, interval: 10 });
    expect(spanNamed(tracing.spans(), 'abandoned').attributes['agentrace.abandoned']).toBe(true);
    expect(openSpanCount()).toBe(0);
  });

  it('withSpan runs now and hands over the span', async () => {
    const r = await withSpan('ad-hoc', async (span) => {
      span.setAttribute('k', 'v');
      return 5;
    });
    expect(r).toBe(5);
    expect(spanNamed(tracing.spans(), 'ad-hoc').attributes.k).toBe('v');
  });

  it('decorated methods of each shape', async () => {
    class Shapes {
      @step() *gen() {
        yield 1;
      }
      @step() async *agen() {
        yield 2;
      }
    }
    const s = new Shapes();
    expect([...s.gen()]).toEqual([1]);
    const got: number[] = [];
    for await (const v of s.agen()) got.push(v);
    expect(got).toEqual([2]);
    expect(tracing.spans().map((x) => x.name).sort()).toEqual(['agen', 'gen']);
  });
});
