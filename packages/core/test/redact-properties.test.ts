import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, isDefaultSecretKey, redactValue } from '../src/redact.js';
import { serializeValue } from '../src/serialize.js';

const SECRET_WORDS = [
  ['password'], ['passwd'], ['secret'], ['token'], ['access', 'token'], ['refresh', 'token'], ['authorization'],
  ['cookie'], ['set', 'cookie'], ['api', 'key'], ['x', 'api', 'key'], ['private', 'key'], ['client', 'secret'], ['session'],
];

/** A secret key spelled any way people spell it: any case, any separator between its words. */
const secretKey = fc
  .tuple(fc.constantFrom(...SECRET_WORDS), fc.constantFrom('', '_', '-', '.', ' '), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }))
  .map(([words, sep, upper]) =>
    words
      .join(sep)
      .split('')
      .map((c, i) => (upper[i % 30] ? c.toUpperCase() : c))
      .join(''),
  );

/** A secret value: unmistakable, so finding it in the output means it leaked. */
const secretValue = fc.stringMatching(/^[a-z0-9]{6,20}$/).map((s) => `LEAK${s}`);

/** A JSON-ish value with one secret planted under a secret key somewhere inside it. */
const planted = fc
  .tuple(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 3 }), secretKey, secretValue)
  .map(([base, path, key, secret]) => {
    const root: Record<string, unknown> = { base };
    let node = root;
    for (const segment of path) {
      const next: Record<string, unknown> = {};
      node[`n_${segment}`] = next;
      node = next;
    }
    node[key] = secret;
    return { root, secret };
  });

describe('redaction properties', () => {
  it('treats every spelling of a secret key as secret', () => {
    fc.assert(
      fc.property(secretKey, (key) => {
        expect(isDefaultSecretKey(key)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never lets a value under a secret key reach the output, at any depth or limit', () => {
    fc.assert(
      fc.property(planted, fc.integer({ min: 64, max: 4096 }), fc.integer({ min: 1, max: 10 }), ({ root, secret }, maxBytes, maxDepth) => {
        const { value } = serializeValue(root, { maxBytes, maxDepth });
        expect(value).not.toContain(secret);
      }),
      { numRuns: 300 },
    );
  });

  it('masks bearer tokens and sk- keys inside any text', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9]{20,40}$/);
    fc.assert(
      fc.property(fc.string(), token, fc.string(), fc.constantFrom('Bearer ', 'bearer  ', 'sk-', 'sk-proj-'), (before, secret, after, prefix) => {
        const text = `${before} ${prefix}${secret} ${after}`;
        expect(serializeValue({ note: text }, { maxStringLength: 100_000, maxBytes: 1_000_000 }).value).not.toContain(secret);
        expect(createRedactor().redactString(text)).not.toContain(secret);
      }),
      { numRuns: 300 },
    );
  });

  it('redactValue never leaks a planted secret, is idempotent and leaves its input alone', () => {
    fc.assert(
      fc.property(planted, ({ root, secret }) => {
        const before = JSON.stringify(root);
        const once = redactValue(root);
        expect(JSON.stringify(once)).not.toContain(secret);
        expect(redactValue(once)).toEqual(once);
        expect(JSON.stringify(root)).toBe(before);
      }),
      { numRuns: 300 },
    );
  });

  it('a throwing custom hook never throws out and never leaks what it was given', () => {
    fc.assert(
      fc.property(planted, fc.integer({ min: 0, max: 5 }), ({ root, secret }, failEvery) => {
        let n = 0;
        const redact = createRedactor({
          defaults: false,
          redact(_key, value) {
            if (failEvery === 0 || n++ % failEvery === 0) throw new Error(`hook failed on ${String(value)}`);
            return typeof value === 'string' && value.startsWith('LEAK') ? 'masked' : value;
          },
        });
        const { value } = serializeValue(root, { redact });
        expect(value).not.toContain(secret);
      }),
      { numRuns: 200 },
    );
  });
});
