// What comes in over the wire, before any of it reaches a span: header values of any type read as
// the W3C propagators expect them (strings), baggage kept only where it follows the W3C grammar and
// limits, and the values that become attributes stripped of control characters and capped.
import type { TextMapGetter } from '@opentelemetry/api';
import { capString, toWellFormed } from './serialize.js';

/** W3C Baggage, "Limits": list-members a platform must propagate; past this they may be dropped, and are. */
export const BAGGAGE_MAX_MEMBERS = 64;
/** W3C Baggage, "Limits": bytes of the whole baggage-string a platform must propagate. */
export const BAGGAGE_MAX_BYTES = 8192;
/** UTF-8 bytes kept of a baggage value that becomes an attribute (an id, a user id): longer ones are cut with a marker. */
export const INBOUND_VALUE_MAX_BYTES = 256;

// RFC 7230 token (the baggage key and property names), W3C baggage-octet (values), OWS.
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const OCTETS = '[\\x21\\x23-\\x2B\\x2D-\\x3A\\x3C-\\x5B\\x5D-\\x7E]*';
const OWS = '[ \\t]*';
const LIST_MEMBER = new RegExp(`^(${TOKEN})${OWS}=${OWS}(${OCTETS})(?:${OWS};${OWS}${TOKEN}(?:${OWS}=${OWS}${OCTETS})?)*$`);
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
/** No list of 64 members within 8,192 bytes needs more of a header than this to be found. */
const MAX_SCANNED_CHARS = 4 * BAGGAGE_MAX_BYTES;

/**
 * The list-members of a `baggage` header that follow the W3C grammar (key a token, value made of
 * baggage-octets with well-formed percent-escapes that decode to UTF-8, properties well formed), in
 * order, up to 64 members and 8,192 bytes; invalid members are dropped one by one, as the
 * OpenTelemetry propagators do. Undefined when none is left.
 */
export function filterBaggageHeader(header: string): string | undefined {
  const text = header.length > MAX_SCANNED_CHARS ? header.slice(0, MAX_SCANNED_CHARS) : header;
  const kept: string[] = [];
  let bytes = 0;
  for (const part of text.split(',')) {
    const member = part.replace(/^[ \t]+|[ \t]+$/g, '');
    if (member === '') continue;
    const match = LIST_MEMBER.exec(member);
    if (match === null) continue;
    const value = match[2]!;
    if (BAD_ESCAPE.test(value)) continue;
    try {
      decodeURIComponent(value);
    } catch {
      continue; // percent-escapes that are not UTF-8
    }
    // Members are ASCII here, so characters are bytes.
    const size = member.length + (kept.length === 0 ? 0 : 1);
    if (bytes + size > BAGGAGE_MAX_BYTES) break;
    kept.push(member);
    bytes += size;
    if (kept.length === BAGGAGE_MAX_MEMBERS) break;
  }
  return kept.length === 0 ? undefined : kept.join(',');
}

/**
 * A header value as text, whatever type the transport gave it: strings as they are, bytes (AMQP byte
 * arrays, Buffers) decoded one byte per character (so a non-ASCII byte stays visible to the grammar
 * checks and is refused there), numbers and booleans as their text. Objects (an AMQP nested table, a
 * JSON object) are no header value: undefined.
 */
export function headerText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value instanceof Uint8Array) return latin1(value);
      return undefined;
    default:
      return undefined;
  }
}

function latin1(bytes: Uint8Array): string {
  const B = (globalThis as { Buffer?: { from(b: ArrayBufferLike, o: number, l: number): { toString(e: string): string } } }).Buffer;
  if (B !== undefined) return B.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

function readOwn(carrier: object, key: string): unknown {
  try {
    return Object.prototype.hasOwnProperty.call(carrier, key) ? (carrier as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined; // a throwing getter or proxy trap
  }
}

/** The value under `key`, exact name first, else the first key equal to it in any case (`Traceparent`). */
function lookup(carrier: object, key: string): unknown {
  const exact = readOwn(carrier, key);
  if (exact !== undefined) return exact;
  let keys: string[];
  try {
    keys = Object.keys(carrier);
  } catch {
    return undefined;
  }
  for (const k of keys) {
    if (k.length === key.length && k !== key && k.toLowerCase() === key) return readOwn(carrier, k);
  }
  return undefined;
}

/**
 * The getter for carriers that come from outside (HTTP request headers, AMQP message headers, a BullMQ
 * job's telemetry metadata): keys matched in any case, values of any type turned into the strings the
 * W3C propagators expect (see `headerText`; arrays item by item), and the `baggage` header reduced to
 * its valid members (see `filterBaggageHeader`). The propagators then never meet a Buffer, a number or
 * a nested table (where OpenTelemetry's baggage propagator logs `value.substring is not a function`).
 * Never throws.
 */
export const inboundHeaderGetter: TextMapGetter<unknown> = {
  keys(carrier: unknown): string[] {
    if (carrier === null || typeof carrier !== 'object') return [];
    try {
      return Object.keys(carrier);
    } catch {
      return [];
    }
  },
  get(carrier: unknown, key: string): string | string[] | undefined {
    if (carrier === null || typeof carrier !== 'object') return undefined;
    const raw = lookup(carrier, key);
    let value: string | string[] | undefined;
    if (Array.isArray(raw)) {
      const items: string[] = [];
      for (const item of raw as unknown[]) {
        const text = headerText(item);
        if (text !== undefined) items.push(text);
      }
      value = items.length === 0 ? undefined : items;
    } else {
      value = headerText(raw);
    }
    if (value === undefined || key !== 'baggage') return value;
    return filterBaggageHeader(Array.isArray(value) ? value.join(',') : value);
  },
};

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, zero-width and bidirectional
 * formatting characters: what could forge a log line, hide text or reorder it on a screen.
 */
const UNSAFE_CHARS = /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF]/g;

/**
 * A value that came from outside (a baggage entry, a header) made fit to be an attribute: unsafe
 * characters removed (see above), lone surrogates replaced, cut to `maxBytes` UTF-8 bytes with
 * `…[truncated]`, trimmed. Undefined when nothing is left.
 */
export function sanitizeInboundValue(value: unknown, maxBytes: number = INBOUND_VALUE_MAX_BYTES): string | undefined {
  if (typeof value !== 'string') return undefined;
  const head = value.length > maxBytes * 4 ? value.slice(0, maxBytes * 4) : value;
  const clean = capString(toWellFormed(head).replace(UNSAFE_CHARS, '').trim(), maxBytes);
  return clean === '' ? undefined : clean;
}
