import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeValue, utf8Length } from '../src/serialize.js';
import { LONE_SURROGATE, serializeOptions } from './utils/arbitraries.js';

const options = serializeOptions({ maxStringLength: 200, maxBytes: 4096 });

/** Anything, including the kinds JSON.stringify throws on or mangles. */
const hostile = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true, withObjectString: true, withUnicodeString: true }),
    fc.string({ unit: 'binary' }), // lone surrogates included
    fc.constantFrom<unknown>(Symbol('s'), () => 1, new Error('e'), Number.NaN, -0, Buffer.from('abc'), Promise.resolve()),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Adds a cycle (and a throwing getter) somewhere inside a value, when it is an object. */
function withCycle(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  try {
    (value as Record<string, unknown>).cycle = value;
    Object.defineProperty(value, 'bad', {
      enumerable: true,
      get() {
        throw new Error('x');
      },
    });
  } catch {
    // Typed arrays, boxed values and the like refuse new properties; leave them as they are.
  }
  return value;
}

describe('serializeValue properties', () => {
  it('never throws, always writes JSON text, never passes maxBytes', () => {
    fc.assert(
      fc.property(hostile.map(withCycle), options, fc.boolean(), (value, opts, redact) => {
        const result = serializeValue(value, { ...opts, redact: redact ? undefined : false });
        expect(typeof result.value).toBe('string');
        expect(() => JSON.parse(result.value)).not.toThrow();
        expect(utf8Length(result.value)).toBeLessThanOrEqual(opts.maxBytes ?? 8192);
        expect(result.value).not.toMatch(LONE_SURROGATE);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips plain JSON values when no limit is hit', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const result = serializeValue(value, { redact: false, maxDepth: 10, maxKeys: 1000, maxStringLength: 100_000, maxBytes: 1_000_000 });
        expect(result.truncated).toBe(false);
        expect(JSON.parse(result.value)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('says truncated whenever the output differs from what JSON.stringify would write', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), options, (value, opts) => {
        const result = serializeValue(value, { ...opts, redact: false });
        if (!result.truncated) expect(JSON.parse(result.value)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('does not mutate its input', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), options, (value, opts) => {
        const before = JSON.stringify(value);
        serializeValue(value, opts);
        expect(JSON.stringify(value)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });
});
