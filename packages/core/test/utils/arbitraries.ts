// What the property tests of the serializer share.
import fc from 'fast-check';

/** A lone (unpaired) UTF-16 surrogate: what well-formed output never holds. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Serialize options with random limits, each one possibly left out (then its default applies). */
export function serializeOptions({ maxStringLength, maxBytes }: { maxStringLength: number; maxBytes: number }) {
  return fc.record(
    {
      maxDepth: fc.integer({ min: 0, max: 8 }),
      maxKeys: fc.integer({ min: 0, max: 20 }),
      maxStringLength: fc.integer({ min: 0, max: maxStringLength }),
      maxBytes: fc.integer({ min: 64, max: maxBytes }),
      maxStackLines: fc.integer({ min: 0, max: 5 }),
    },
    { requiredKeys: [] },
  );
}
