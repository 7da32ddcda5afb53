import { describe, expect, it } from 'vitest';
import { serializeValue, utf8Length } from '../src/serialize.js';

/** Serializes with redaction off (its own tests are in redact-*.test.ts) and checks the output is JSON. */
function ser(value: unknown, options: Parameters<typeof serializeValue>[1] = {}) {
  const result = serializeValue(value, { redact: false, ...options });
  expect(() => JSON.parse(result.value)).not.toThrow();
  return { ...result, parsed: JSON.parse(result.value) as any };
}

describe('serializeValue: hostile values never throw and stay visible', () => {
  it('marks circular references, but repeats shared (non-circular) ones', () => {
    const a: any = { name: 'a' };
    a.self = a;
    a.list = [a, { back: a }];
    const shared = { s: 1 };
    const { parsed } = ser({ a, x: shared, y: shared });
    expect(parsed.a.self).toBe('[Circular]');
    expect(parsed.a.list).toEqual(['[Circular]', { back: '[Circular]' }]);
    expect(parsed.x).toEqual({ s: 1 });
    expect(parsed.y).toEqual({ s: 1 });
  });

  it('writes BigInt with an n suffix, and summarises a huge one without converting it', () => {
    expect(ser(123n).parsed).toBe('123n');
    expect(ser({ n: -(2n ** 70n) }).parsed.n).toBe(`${-(2n ** 70n)}n`);
    const huge = ser(10n ** 5000n);
    expect(huge.parsed).toMatch(/^\[BigInt: more than 1000 digits\]$/);
    expect(huge.truncated).toBe(true);
  });

  it('writes dates as ISO strings and invalid dates as a marker', () => {
    expect(ser(new Date(0)).parsed).toBe('1970-01-01T00:00:00.000Z');
    expect(ser({ d: new Date(Number.NaN) }).parsed.d).toBe('[Invalid Date]');
  });

  it('writes Map and Set with their size, any key type, and caps their entries', () => {
    const key = { id: 1 };
    const { parsed } = ser({ m: new Map<unknown, unknown>([['a', 1], [key, 'obj']]), s: new Set([1, 'two']) });
    expect(parsed.m).toEqual({ 'Map(2)': [['a', 1], [{ id: 1 }, 'obj']] });
    expect(parsed.s).toEqual({ 'Set(2)': [1, 'two'] });
    const big = ser(new Set(Array.from({ length: 100 }, (_, i) => i)), { maxKeys: 3 });
    expect(big.parsed).toEqual({ 'Set(100)': [0, 1, 2, '…[+97 items]'] });
    expect(big.truncated).toBe(true);
  });

  it('writes errors with name, message, a cut stack, own fields and cause', () => {
    const cause = new RangeError('inner');
    const error = Object.assign(new TypeError('outer', { cause }), { code: 'E_X', status: 503 });
    const { parsed } = ser({ error }, { maxStackLines: 2 });
    expect(parsed.error.name).toBe('TypeError');
    expect(parsed.error.message).toBe('outer');
    // Two lines kept, then the cut marker on a line of its own.
    expect(parsed.error.stack.split('\n')).toHaveLength(3);
    expect(parsed.error.stack).toMatch(/^TypeError: outer\n {4}at .*\n…\[truncated\]$/);
    expect(parsed.error.code).toBe('E_X');
    expect(parsed.error.status).toBe(503);
    expect(parsed.error.cause).toMatchObject({ name: 'RangeError', message: 'inner' });
  });

  it('summarises typed arrays, Buffers, ArrayBuffers and DataViews instead of dumping them', () => {
    const bytes = new Uint8Array(1_000_000).fill(65);
    const { value, parsed } = ser({
      u8: bytes,
      f64: new Float64Array(3),
      buf: Buffer.from('secret bytes'),
      ab: new ArrayBuffer(16),
      dv: new DataView(new ArrayBuffer(8)),
    });
    expect(parsed).toEqual({
      u8: '[Uint8Array(1000000)]',
      f64: '[Float64Array(3)]',
      buf: '[Buffer(12)]',
      ab: '[ArrayBuffer(16)]',
      dv: '[DataView(8)]',
    });
    expect(value).not.toContain('AAAA');
    expect(value).not.toContain('secret bytes');
  });

  it('uses toJSON, and reports one that throws instead of throwing', () => {
    const ok = { toJSON: () => ({ via: 'toJSON' }) };
    const bad = {
      toJSON() {
        throw new Error('no json for you');
      },
    };
    const { parsed, truncated } = ser({ ok, bad, url: new URL('https://example.com/a?b=1') });
    expect(parsed.ok).toEqual({ via: 'toJSON' });
    expect(parsed.bad).toBe('[toJSON threw: Error: no json for you]');
    expect(parsed.url).toBe('https://example.com/a?b=1');
    expect(truncated).toBe(true);
  });

  it('calls toJSON once, not again on its own result', () => {
    const loop: any = { toJSON: () => loop };
    expect(() => ser(loop)).not.toThrow();
  });

  it('names class instances', () => {
    class Profile {
      id = 7;
      private readonly hidden = 'still an own field';
    }
    const { parsed } = ser(new Profile());
    expect(parsed).toEqual({ '@type': 'Profile', id: 7, hidden: 'still an own field' });
    expect(ser(Object.create(null)).parsed).toEqual({});
  });

  it('writes a getter that throws as a marker and keeps the other fields', () => {
    const obj = { before: 1, after: 2 };
    Object.defineProperty(obj, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter exploded');
      },
    });
    const { parsed } = ser(obj);
    expect(parsed).toEqual({ before: 1, after: 2, boom: '[Getter threw: Error: getter exploded]' });
  });

  it('writes revoked proxies and throwing proxy traps as a marker, keeping valid JSON', () => {
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();
    const hostile = new Proxy(
      { a: 1 },
      {
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    const { parsed } = ser({ revoked: proxy, hostile, ok: true });
    expect(parsed.revoked).toMatch(/^\[Unserializable: TypeError: .*revoked/);
    expect(parsed.hostile).toBe('[Unserializable: Error: trap]');
    expect(parsed.ok).toBe(true);
  });

  it('drops a partly written object when its iterator throws mid-way, keeping valid JSON', () => {
    class BadMap extends Map<string, number> {
      override *[Symbol.iterator](): MapIterator<[string, number]> {
        yield ['first', 1];
        throw new Error('iterator broke');
      }
    }
    const m = new BadMap([['first', 1], ['second', 2]]);
    const { parsed } = ser({ m, after: 'kept' });
    expect(parsed.m).toBe('[Unserializable: Error: iterator broke]');
    expect(parsed.after).toBe('kept');
  });

  it('writes symbols, functions, classes, NaN and Infinity as strings, undefined like JSON', () => {
    const { parsed } = ser({
      sym: Symbol('tag'),
      fn: function namedFn() {},
      arrow: () => 1,
      anon: [function () {}][0],
      nan: Number.NaN,
      inf: -Infinity,
      undef: undefined,
      arr: [undefined, 1],
    });
    expect(parsed).toEqual({
      sym: 'Symbol(tag)',
      fn: '[Function: namedFn]',
      arrow: '[Function: arrow]',
      anon: '[Function (anonymous)]',
      nan: 'NaN',
      inf: '-Infinity',
      arr: [null, 1],
    });
    expect(ser(undefined).parsed).toBe('[undefined]');
  });

  it('replaces lone surrogates in values and keys by U+FFFD, keeps valid pairs', () => {
    const { value, parsed } = ser({ ['k\uDC00']: 'a\uD800b', emoji: 'ok 😀' });
    expect(parsed).toEqual({ 'k\uFFFD': 'a\uFFFDb', emoji: 'ok 😀' });
    expect(value).not.toMatch(/\\ud[89a-f]/i);
  });

  it('never splits a surrogate pair when it cuts a string', () => {
    const { parsed } = ser('😀'.repeat(10), { maxStringLength: 5 });
    expect(parsed).toBe('😀😀…[+15 chars]');
  });

  it('unwraps boxed primitives and writes RegExps and promises as markers', () => {
    const { parsed } = ser({ s: new String('x'), n: new Number(2), b: new Boolean(false), re: /a+/g, p: Promise.resolve(1) });
    expect(parsed).toEqual({ s: 'x', n: 2, b: false, re: '/a+/g', p: '[Promise]' });
  });
});

describe('serializeValue: limits show as visible markers', () => {
  it('cuts depth with a summary of what was left out', () => {
    const deep = { a: { b: { c: { d: [1, 2], e: new Map() } } } };
    const { parsed, truncated } = ser(deep, { maxDepth: 2 });
    expect(parsed).toEqual({ a: { b: { c: '[Object]' } } });
    expect(truncated).toBe(true);
    expect(ser(deep, { maxDepth: 3 }).parsed.a.b.c).toEqual({ d: '[Array(2)]', e: '[Map(0)]' });
  });

  it('caps keys per object and items per array', () => {
    const obj = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    expect(ser(obj, { maxKeys: 2 }).parsed).toEqual({ k0: 0, k1: 1, '…': '[+8 keys]' });
    expect(ser([1, 2, 3, 4], { maxKeys: 2 }).parsed).toEqual([1, 2, '…[+2 items]']);
  });

  it('cuts long strings with the number of characters left out', () => {
    const { parsed, truncated } = ser('abcdefghij', { maxStringLength: 4 });
    expect(parsed).toBe('abcd…[+6 chars]');
    expect(truncated).toBe(true);
  });

  it('stops at maxBytes with a marker and never writes more', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ id: i, text: 'é'.repeat(50) }));
    for (const maxBytes of [64, 100, 257, 1000, 4096]) {
      const { value, parsed, truncated } = ser({ rows }, { maxBytes });
      expect(utf8Length(value)).toBeLessThanOrEqual(maxBytes);
      expect(Buffer.byteLength(value)).toBe(utf8Length(value));
      expect(truncated).toBe(true);
      expect(value).toContain('[truncated]');
      expect(parsed).toHaveProperty('rows');
    }
  });

  it('never cuts its own markers or the redaction replacement with the string limit', () => {
    const a: any = { password: 'p' };
    a.self = a;
    const { parsed } = ser(a, { maxStringLength: 8, redact: undefined });
    expect(parsed).toEqual({ password: 'REDACTED', self: '[Circular]' });
  });

  it('is not truncated when nothing was cut', () => {
    const { parsed, truncated } = ser({ a: [1, 'two', { three: 3 }], b: null });
    expect(parsed).toEqual({ a: [1, 'two', { three: 3 }], b: null });
    expect(truncated).toBe(false);
  });

  it('falls back to the defaults for nonsense options', () => {
    const { parsed } = ser({ a: 1 }, { maxDepth: -1, maxKeys: Number.NaN, maxBytes: 'big' as unknown as number });
    expect(parsed).toEqual({ a: 1 });
  });
});

describe('serializeValue: the work follows the bytes written, not the input size', () => {
  /** A proxy that counts every property read, to see how much of the input the walk touched. */
  function counted<T extends object>(target: T) {
    const counter = { reads: 0 };
    const proxy = new Proxy(target, {
      get(t, key, receiver) {
        counter.reads++;
        return Reflect.get(t, key, receiver);
      },
    });
    return { proxy, counter };
  }

  it('reads a bounded number of items of a huge array when the byte cap is hit', () => {
    const { proxy, counter } = counted(Array.from({ length: 1_000_000 }, (_, i) => `item-${i}`));
    const { value } = ser(proxy, { maxBytes: 256, maxKeys: 1_000_000 });
    expect(utf8Length(value)).toBeLessThanOrEqual(256);
    expect(counter.reads).toBeLessThan(100);
  });

  it('calls a bounded number of getters of an object with many keys', () => {
    let calls = 0;
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < 50_000; i++) {
      Object.defineProperty(obj, `key${i}`, {
        enumerable: true,
        get() {
          calls++;
          return 'x'.repeat(20);
        },
      });
    }
    ser(obj, { maxBytes: 512, maxKeys: 100_000 });
    expect(calls).toBeLessThan(30);
  });

  it('reads only the first lines of a huge stack', () => {
    const error = new Error('big');
    error.stack = 'Error: big\n' + '    at frame\n'.repeat(200_000);
    const { parsed } = ser(error, { maxStackLines: 3 });
    expect(parsed.stack.split('\n')).toEqual(['Error: big', '    at frame', '    at frame', '…[truncated]']);
  });

  it('does not walk a huge string past the cap (slices it)', () => {
    const huge = 'a'.repeat(5_000_000);
    const { value } = ser({ huge }, { maxStringLength: 10 });
    expect(JSON.parse(value).huge).toBe(`aaaaaaaaaa…[+${5_000_000 - 10} chars]`);
  });
});
