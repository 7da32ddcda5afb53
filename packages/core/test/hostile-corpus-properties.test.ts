// Issue 8: the property tests of serialize-properties / redact-properties, extended with the shared
// hostile corpus. Each run nests one corpus value (built once per file: 10 MB strings are not rebuilt per
// run) at a random place inside arbitrary data, with random limits and redaction.
import fc from 'fast-check';
import { hostileValues } from '@agentrace/testing';
import { describe, expect, it } from 'vitest';
import { capString, createRedactor, redactValue, REDACTED, sanitizeAttributes, serializeValue, utf8Length } from '../src/index.js';
import { LONE_SURROGATE, serializeOptions } from './utils/arbitraries.js';

const corpus = hostileValues().map((h) => ({ name: h.name, exceedsCaps: h.exceedsCaps === true, value: h.make() }));

const options = serializeOptions({ maxStringLength: 2000, maxBytes: 16_384 });

/** A corpus value, alone or nested under a few levels of arrays/objects with arbitrary siblings. */
const nested = fc
  .tuple(fc.integer({ min: 0, max: corpus.length - 1 }), fc.array(fc.constantFrom('array', 'object', 'map'), { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }))
  .map(([index, path, sibling]) => {
    let value: unknown = corpus[index]!.value;
    for (const kind of path) {
      if (kind === 'array') value = [sibling, value];
      else if (kind === 'object') value = { sibling, password: 'hunter2hunter2', inner: value };
      else value = new Map<unknown, unknown>([['inner', value]]);
    }
    return { entry: corpus[index]!, depth: path.length, value };
  });

describe('serializer and redactor over the hostile corpus', () => {
  it('the corpus has at least 50 values', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(50);
  });

  it('serializeValue never throws, writes valid well-formed JSON within maxBytes, and never leaks a secret key', () => {
    fc.assert(
      fc.property(nested, options, fc.boolean(), ({ value }, opts, redact) => {
        const result = serializeValue(value, { ...opts, redact: redact ? undefined : false });
        expect(() => JSON.parse(result.value)).not.toThrow();
        expect(utf8Length(result.value)).toBeLessThanOrEqual(opts.maxBytes ?? 8192);
        expect(result.value).not.toMatch(LONE_SURROGATE);
        if (redact) expect(result.value).not.toContain('hunter2');
      }),
      { numRuns: 400 },
    );
  });

  it('with the default limits, a value exceeding the caps is marked truncated', () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpus.filter((c) => c.exceedsCaps)), (entry) => {
        expect(serializeValue(entry.value).truncated).toBe(true);
        expect(serializeValue({ wrapped: entry.value }).truncated).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('capString keeps at most maxBytes UTF-8 bytes, well-formed, a prefix of the input, marked when cut', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), fc.integer({ min: 64, max: 4096 }), (s, max) => {
        const out = capString(s, max);
        expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(LONE_SURROGATE);
        const wellFormed = s.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
        if (out.endsWith('…[truncated]') && out !== wellFormed) expect(wellFormed.startsWith(out.slice(0, -'…[truncated]'.length))).toBe(true);
        else expect(out).toBe(wellFormed);
      }),
      { numRuns: 500 },
    );
  });

  it('sanitizeAttributes never throws and keeps every string within 8192 bytes', () => {
    fc.assert(
      fc.property(nested, fc.string(), ({ value }, key) => {
        const attributes = sanitizeAttributes({ [key]: value, list: [value], plain: 'x' });
        for (const v of Object.values(attributes)) {
          for (const item of Array.isArray(v) ? v : [v]) {
            if (typeof item === 'string') expect(Buffer.byteLength(item, 'utf8')).toBeLessThanOrEqual(8192);
            else expect(['number', 'boolean', 'object']).toContain(typeof item); // null inside arrays
          }
        }
        expect(attributes.plain).toBe('x');
      }),
      { numRuns: 300 },
    );
  });

  it('redactValue never throws and masks a secret key next to any hostile value', () => {
    const redactor = createRedactor();
    fc.assert(
      fc.property(nested, ({ value }) => {
        const copy = redactValue({ password: 'hunter2hunter2', value }, redactor) as Record<string, unknown>;
        expect(copy.password).toBe(REDACTED);
      }),
      { numRuns: 300 },
    );
  });
});
