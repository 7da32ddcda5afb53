import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { capString, enumerableKeys, resolveSerializeOptions, serializeResolved, SERIALIZE_DEFAULTS, type ResolvedSerializeOptions } from './serialize.js';
import { ATTR_ATTRIBUTES_DROPPED } from './semconv.js';

/** Attributes kept from one user mapper result (`attributes`, `resultAttributes`); the rest are counted in a marker. */
const MAX_MAPPED_ATTRIBUTES = 128;
/** Items of an array attribute kept as an array; a longer or mixed one is written as capped JSON. */
const MAX_ARRAY_ITEMS = 128;
let attributeSerialize: ResolvedSerializeOptions | undefined;

/**
 * What a user's attribute mapper returned, made safe to hand to the SDK: strings capped at 8192 UTF-8
 * bytes with `…[truncated]`, numbers and booleans kept, short arrays of one primitive type kept (capped),
 * anything else (objects, BigInt, symbols, long arrays) written as capped, redacted JSON by
 * `serializeValue`. At most 128 keys (then `agentrace.attributes.dropped`). The SDK would otherwise
 * take a 10 MB string whole, walk a 2^32-long sparse array, or throw on a revoked proxy. Never throws.
 */
export function sanitizeAttributes(attributes: unknown): Attributes {
  const out: Attributes = {};
  if (attributes === null || typeof attributes !== 'object') return out;
  try {
    const { keys, more } = enumerableKeys(attributes, MAX_MAPPED_ATTRIBUTES);
    for (const key of keys) {
      let value: unknown;
      try {
        value = (attributes as Record<string, unknown>)[key];
      } catch {
        value = '[Getter threw]';
      }
      const safe = toAttributeValue(value);
      if (safe !== undefined) out[capString(key, 256)] = safe;
    }
    if (more > 0) out[ATTR_ATTRIBUTES_DROPPED] = more;
  } catch {
    // A proxy whose ownKeys trap throws: what was read so far is kept.
  }
  return out;
}

function toAttributeValue(value: unknown): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
      return capString(value);
    case 'number':
    case 'boolean':
      return value;
    case 'undefined':
      return undefined;
    default:
      if (value === null) return undefined;
  }
  try {
    if (Array.isArray(value) && value.length <= MAX_ARRAY_ITEMS) {
      const array = primitiveArray(value);
      if (array !== undefined) return array;
    }
  } catch {
    // A revoked proxy or throwing index getter: written as JSON below, which reports it.
  }
  attributeSerialize ??= resolveSerializeOptions(undefined);
  return serializeResolved(value, attributeSerialize).value;
}

/** `value` as a homogeneous primitive array within the byte cap, or undefined. */
function primitiveArray(value: readonly unknown[]): AttributeValue | undefined {
  let type: string | undefined;
  let bytes = 0;
  const out: unknown[] = [];
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (item === null || item === undefined) {
      out.push(null);
      continue;
    }
    const t = typeof item;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') return undefined;
    if (type !== undefined && t !== type) return undefined;
    type = t;
    if (t === 'string') {
      const s = capString(item as string);
      bytes += s.length * 3;
      if (bytes > SERIALIZE_DEFAULTS.maxBytes) return undefined;
      out.push(s);
    } else out.push(item);
  }
  return out as AttributeValue;
}
