import { REDACTION_FAILED, toRedactor, type PathSegment, type Redactor, type RedactOptions } from './redact.js';

/** Limits and redaction for `serializeValue`. Every limit shows in the output as a visible marker. */
export interface SerializeOptions {
  /** Container nesting expanded below the root; deeper objects become `"[Object]"`, `"[Array(n)]"`, `"[Foo]"`. Default: 6. */
  maxDepth?: number;
  /** Entries written per object, array, Map or Set; the rest become `"…":"[+n keys]"` / `"…[+n items]"`. Default: 50. */
  maxKeys?: number;
  /** UTF-16 code units kept per string (and per key); the rest become `…[+n chars]`. Default: 1024. */
  maxStringLength?: number;
  /** UTF-8 bytes of the whole output, markers included (at least 64); the walk stops at the cap with `…[truncated]`. Default: 8192. */
  maxBytes?: number;
  /** Lines of an Error's `stack` kept. Default: 10. */
  maxStackLines?: number;
  /** Redaction applied during the walk, before anything is written: a `Redactor`, rules for one, or `false` for none. Default: the built-in rules (`defaultRedactor`). */
  redact?: Redactor | RedactOptions | false;
}

/** What `serializeValue` returns. */
export interface SerializedValue {
  /** JSON text (always parseable) with markers such as `"[Circular]"` where a value could not be written as is. */
  value: string;
  /** True when any limit cut something (depth, keys, string length, bytes). */
  truncated: boolean;
}

/** Options after validation; build once where a value is serialized on every call (capture). */
export interface ResolvedSerializeOptions {
  readonly maxDepth: number;
  readonly maxKeys: number;
  readonly maxStringLength: number;
  readonly maxBytes: number;
  readonly maxStackLines: number;
  readonly redactor: Redactor | undefined;
}

export const SERIALIZE_DEFAULTS = Object.freeze({
  maxDepth: 6,
  maxKeys: 50,
  maxStringLength: 1024,
  maxBytes: 8192,
  maxStackLines: 10,
});

/** Bytes kept back for the one stop marker (`,"…":"[truncated]"` is 20), so the output never passes `maxBytes`. */
const MARKER_RESERVE = 24;
const MIN_BYTES = 64;
/** Characters past `maxStringLength` that are still scanned for secrets, so a secret cut at the limit is still masked. */
const REDACT_SLACK = 128;
const CUT = '…[truncated]';

function limit(value: unknown, fallback: number, min = 0): number {
  return typeof value === 'number' && value >= min && Number.isFinite(value) ? Math.floor(value) : fallback;
}

/** Validates options once; bad values fall back to their defaults. */
export function resolveSerializeOptions(options: SerializeOptions | undefined): ResolvedSerializeOptions {
  const o = options ?? {};
  return {
    maxDepth: limit(o.maxDepth, SERIALIZE_DEFAULTS.maxDepth),
    maxKeys: limit(o.maxKeys, SERIALIZE_DEFAULTS.maxKeys),
    maxStringLength: limit(o.maxStringLength, SERIALIZE_DEFAULTS.maxStringLength),
    maxBytes: Math.max(MIN_BYTES, limit(o.maxBytes, SERIALIZE_DEFAULTS.maxBytes)),
    maxStackLines: limit(o.maxStackLines, SERIALIZE_DEFAULTS.maxStackLines),
    redactor: toRedactor(o.redact),
  };
}

let defaultResolved: ResolvedSerializeOptions | undefined;

/**
 * Serializes any value to JSON text for a span attribute, log field or snapshot. Never throws.
 *
 * Handles what `JSON.stringify` throws on or hides: cycles (`"[Circular]"`), BigInt (`"12n"`), Date (ISO
 * string), Map/Set (`{"Map(2)":[[k,v],...]}`, `{"Set(2)":[...]}`), Error (name, message, stack cut to
 * `maxStackLines`, own fields, cause), typed arrays, Buffers and ArrayBuffers (summarised as
 * `"[Uint8Array(1024)]"`, never dumped), `toJSON` (used; one that throws gives `"[toJSON threw: ...]"`),
 * class instances (`"@type":"ClassName"` first), getters that throw, revoked proxies, symbols, functions,
 * NaN/Infinity (as strings) and lone UTF-16 surrogates (replaced by U+FFFD).
 *
 * Values are redacted during the walk, before they are written (see `createRedactor`). The walk stops as
 * soon as `maxBytes` is reached, so the work grows with the bytes written, not with the size of the input
 * (except `Object.keys` on one object with a huge number of keys).
 */
export function serializeValue(value: unknown, options?: SerializeOptions): SerializedValue {
  let resolved: ResolvedSerializeOptions;
  if (options === undefined) resolved = defaultResolved ??= resolveSerializeOptions(undefined);
  else resolved = resolveSerializeOptions(options);
  return serializeResolved(value, resolved);
}

/** `serializeValue` with options resolved beforehand (the capture hot path). Never throws. */
export function serializeResolved(value: unknown, options: ResolvedSerializeOptions): SerializedValue {
  try {
    return new Walker(options).run(value);
  } catch {
    // Only a bug here or an exhausted stack gets this far; the agent must still never see it.
    return { value: '"[Unserializable]"', truncated: true };
  }
}

/** UTF-8 length of a well-formed string (a surrogate pair is 2 + 2). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}

const CUT_BYTES = 14; // utf8Length(CUT)

/**
 * `s` as an attribute or message may carry it: well-formed UTF-16 (lone surrogates become U+FFFD), at
 * most `maxBytes` UTF-8 bytes, ending in `…[truncated]` when it was cut. Only the head of a huge string
 * is read. Never throws.
 */
export function capString(s: string, maxBytes: number = SERIALIZE_DEFAULTS.maxBytes): string {
  const max = Math.max(MIN_BYTES, maxBytes);
  if (s.length * 3 <= max) return toWellFormed(s);
  // No string longer than `max` code units fits in `max` bytes: only that head is ever looked at.
  const head = toWellFormed(s.length > max ? s.slice(0, max) : s);
  if (head.length === s.length && utf8Length(head) <= max) return head;
  // A slice of a string may keep the whole original alive in V8 (a 10 MB string held by an 8 KB
  // attribute): the round trip through JSON makes a flat copy that owns only its own characters.
  return JSON.parse(JSON.stringify(utf8Prefix(head, max - CUT_BYTES) + CUT)) as string;
}

/** The longest prefix of well-formed `s` within `room` UTF-8 bytes, never splitting a surrogate pair. */
function utf8Prefix(s: string, room: number): string {
  let used = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : 3;
    if (used + n > room) break;
    used += n;
    if (n === 4) i++;
  }
  return s.slice(0, i);
}

/** Anything but printable ASCII other than the quote and the backslash: such strings take the slow, exact path. */
const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone surrogates by U+FFFD: OTLP sends strings as UTF-8, where they are invalid. */
export function toWellFormed(s: string): string {
  const native = (s as { toWellFormed?: () => string }).toWellFormed;
  if (typeof native === 'function') return native.call(s);
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

function describe(error: unknown): string {
  try {
    if (error instanceof Error) return `${String(error.name)}: ${String(error.message)}`;
    return String(error);
  } catch {
    return 'unprintable';
  }
}

let bigintLimit: bigint | undefined;
const KEY_CACHE_LIMIT = 4096;
interface KeyHead {
  readonly text: string;
  readonly bytes: number;
}
/** Object keys come from outside (payloads): bounded at 4,096 keys of at most 64 characters, emptied when full. */
const keyHeads = new Map<string, KeyHead>();

class Walker {
  private out = '';
  private bytes = 0;
  /** Bytes still allowed, minus one per open bracket (its closing bracket is reserved when it opens). */
  private budget: number;
  private truncated = false;
  private stopped = false;
  private readonly ancestors: object[] = [];
  private readonly path: PathSegment[] = [];
  private readonly redactor: Redactor | undefined;
  private readonly trackPath: boolean;

  constructor(private readonly o: ResolvedSerializeOptions) {
    this.budget = o.maxBytes - MARKER_RESERVE;
    this.redactor = o.redactor;
    this.trackPath = o.redactor?.usesPath === true;
  }

  run(value: unknown): SerializedValue {
    const v = this.redactor === undefined ? value : this.redactor.redact(undefined, value, this.path);
    if (v === undefined) this.marker('[undefined]');
    else this.write(v, 0, undefined, false);
    return { value: this.out, truncated: this.truncated };
  }

  private fits(n: number): boolean {
    return this.bytes + n <= this.budget;
  }

  private emit(text: string, n: number): void {
    this.out += text;
    this.bytes += n;
  }

  /** Writes the one final marker (within the reserve) and stops the walk. */
  private stop(marker: string): void {
    this.emit(marker, utf8Length(marker));
    this.stopped = true;
    this.truncated = true;
  }

  private ascii(text: string): void {
    if (this.fits(text.length)) this.emit(text, text.length);
    else this.stop(`"${CUT}"`);
  }

  private open(bracket: string): boolean {
    if (!this.fits(2)) {
      this.stop(`"${CUT}"`);
      return false;
    }
    this.emit(bracket, 1);
    this.budget -= 1;
    return true;
  }

  private close(bracket: string): void {
    this.budget += 1;
    this.emit(bracket, 1);
  }

  /** Writes `v` (already redacted) at a value position. Always writes valid JSON. */
  private write(v: unknown, depth: number, key: string | undefined, skipToJSON: boolean): void {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        return this.ascii(Number.isFinite(v) ? String(v) : `"${String(v)}"`);
      case 'boolean':
        return this.ascii(v ? 'true' : 'false');
      case 'bigint':
        return this.bigint(v);
      case 'symbol':
        return this.string(safeSymbol(v));
      case 'function':
        return this.string(functionLabel(v));
      case 'object':
        if (v === null) return this.ascii('null');
        return this.object(v, depth, key, skipToJSON);
      default:
        // undefined in an array (or a hole), as JSON writes it.
        return this.ascii('null');
    }
  }

  private bigint(v: bigint): void {
    bigintLimit ??= 10n ** 1000n;
    // Decimal conversion of a huge BigInt is slow; past the string cap only its sign and size matter.
    if (v > bigintLimit || v < -bigintLimit) {
      this.truncated = true;
      return this.marker(`[BigInt: ${v < 0n ? 'negative, ' : ''}more than 1000 digits]`);
    }
    return this.string(`${String(v)}n`);
  }

  /** Writes one of our own markers: never cut or pattern-masked, only stopped by the byte cap. */
  private marker(text: string): void {
    const literal = JSON.stringify(text);
    const n = utf8Length(literal);
    if (this.fits(n)) this.emit(literal, n);
    else this.stop(`"${CUT}"`);
  }

  private string(s: string): void {
    if (s === this.redactor?.replacement || s === REDACTION_FAILED) return this.marker(s);
    const max = this.o.maxStringLength;
    let str = s;
    let omitted = 0;
    if (str.length > max) {
      // Scan a little past the cut for secrets so one cut in half is still masked, then cut.
      str = str.slice(0, max + REDACT_SLACK);
      omitted = s.length - max;
    }
    if (this.redactor !== undefined) str = this.redactor.redactString(str);
    if (str.length > max) {
      let end = max;
      const last = str.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) end -= 1; // do not split a surrogate pair
      str = str.slice(0, end);
      this.truncated = true;
    } else if (omitted > 0) {
      this.truncated = true;
    }
    let literal: string;
    let n: number;
    if (omitted === 0 && !NEEDS_ESCAPE.test(str)) {
      // Printable ASCII with nothing to escape (most strings): its JSON form and byte length are known.
      literal = `"${str}"`;
      n = str.length + 2;
    } else {
      str = toWellFormed(str);
      if (omitted > 0) str += `…[+${omitted} chars]`;
      literal = JSON.stringify(str);
      n = utf8Length(literal);
    }
    if (this.fits(n)) return this.emit(literal, n);
    // Keep what fits of this string, then stop: the marker goes into the reserve.
    const room = this.budget - this.bytes - 2;
    if (room <= 0) return this.stop(`"${CUT}"`);
    const kept = JSON.stringify(prefixWithin(str, room) + CUT);
    this.stop(kept);
  }

  /** `"key":` and its UTF-8 length. */
  private keyHead(k: string): KeyHead {
    const max = this.o.maxStringLength;
    if (k.length > max) {
      this.truncated = true;
      const text = `${JSON.stringify(`${toWellFormed(k.slice(0, max))}…[+${k.length - max} chars]`)}:`;
      return { text, bytes: utf8Length(text) };
    }
    // Keys repeat (rows of one shape, the same arguments call after call): their JSON form is cached.
    let head = keyHeads.get(k);
    if (head === undefined) {
      const text = `${JSON.stringify(toWellFormed(k))}:`;
      head = { text, bytes: utf8Length(text) };
      if (k.length <= 64) {
        if (keyHeads.size >= KEY_CACHE_LIMIT) keyHeads.clear();
        keyHeads.set(k, head);
      }
    }
    return head;
  }

  /** Writes one `"key":value` member unless the (redacted) value is undefined; returns whether it wrote one. */
  private member(k: string, item: unknown, depth: number, first: boolean): boolean {
    // No try/finally for the path: nothing below throws, except inside object(), which restores it.
    const track = this.trackPath;
    if (track) this.path.push(k);
    const v = this.redactor === undefined ? item : this.redactor.redact(k, item, this.path);
    if (v === undefined) {
      if (track) this.path.pop();
      return false;
    }
    const head = this.keyHead(k);
    const n = head.bytes + (first ? 0 : 1);
    if (!this.fits(n)) {
      this.stop(first ? `"…":"[truncated]"` : `,"…":"[truncated]"`);
    } else {
      this.emit(first ? head.text : `,${head.text}`, n);
      this.write(v, depth + 1, k, false);
    }
    if (track) this.path.pop();
    return true;
  }

  private object(v: object, depth: number, key: string | undefined, skipToJSON: boolean): void {
    const mark = this.out.length;
    const markBytes = this.bytes;
    const markBudget = this.budget;
    const markAncestors = this.ancestors.length;
    const markPath = this.path.length;
    try {
      this.objectUnguarded(v, depth, key, skipToJSON);
    } catch (error) {
      // A trap, getter or iterator threw mid-object (revoked proxy, hostile Map subclass): drop the
      // partial object so the output stays valid JSON, and say why instead.
      this.out = this.out.slice(0, mark);
      this.bytes = markBytes;
      this.budget = markBudget;
      this.ancestors.length = markAncestors;
      this.path.length = markPath;
      this.stopped = false;
      this.truncated = true;
      this.string(`[Unserializable: ${describe(error)}]`);
    }
  }

  private objectUnguarded(v: object, depth: number, key: string | undefined, skipToJSON: boolean): void {
    if (this.ancestors.includes(v)) return this.marker('[Circular]');

    if (Array.isArray(v)) return this.array(v, depth);
    const proto: unknown = Object.getPrototypeOf(v);
    // Plain objects (most arguments and payloads) skip the checks for special classes below.
    if (proto === Object.prototype || proto === null) {
      const toJSON = skipToJSON ? undefined : (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return this.toJSON(v, toJSON, depth, key);
      return this.plain(v, depth, undefined);
    }
    if (v instanceof Date) {
      const t = Date.prototype.getTime.call(v);
      // The intrinsic, not the instance's own (a subclass may override it to throw).
      return this.marker(Number.isNaN(t) ? '[Invalid Date]' : Date.prototype.toISOString.call(v));
    }
    if (ArrayBuffer.isView(v)) {
      const size = 'length' in v ? (v as unknown as { length: number }).length : v.byteLength;
      return this.marker(`[${typeName(v) ?? 'ArrayBufferView'}(${size})]`);
    }
    if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)) {
      return this.marker(`[${typeName(v) ?? 'ArrayBuffer'}(${v.byteLength})]`);
    }
    if (v instanceof Error) return this.error(v, depth);
    if (v instanceof Map) return this.map(v, depth);
    if (v instanceof Set) return this.set(v, depth);
    if (v instanceof Promise) return this.marker('[Promise]');
    if (v instanceof WeakMap || v instanceof WeakSet || (typeof WeakRef === 'function' && v instanceof WeakRef)) {
      return this.marker(`[${typeName(v) ?? 'Weak'}]`);
    }
    if (v instanceof RegExp) return this.string(String(v));
    if (v instanceof String || v instanceof Number || v instanceof Boolean || v instanceof BigInt) {
      return this.write(v.valueOf(), depth, key, true);
    }
    const toJSON = skipToJSON ? undefined : (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return this.toJSON(v, toJSON, depth, key);
    return this.plain(v, depth, typeName(v) ?? 'Object');
  }

  /** Uses the value's `toJSON` (once: not again on what it returns); one that throws becomes a marker. */
  private toJSON(v: object, toJSON: Function, depth: number, key: string | undefined): void {
    let result: unknown;
    try {
      result = toJSON.call(v, key ?? '');
    } catch (error) {
      this.truncated = true;
      return this.string(`[toJSON threw: ${describe(error)}]`);
    }
    if (result === undefined) return this.ascii('null');
    return this.write(result, depth, key, true);
  }

  /** An object written key by key; `name` (a class name) is written first as `"@type"`. */
  private plain(v: object, depth: number, name: string | undefined): void {
    const o = this.o;
    if (depth > o.maxDepth) {
      this.truncated = true;
      return this.marker(`[${name ?? 'Object'}]`);
    }
    const { keys, more } = enumerableKeys(v, o.maxKeys);
    if (!this.open('{')) return;
    this.ancestors.push(v);
    let first = true;
    if (name !== undefined) {
      const head = `"@type":${JSON.stringify(toWellFormed(name))}`;
      const n = utf8Length(head);
      if (this.fits(n)) {
        this.emit(head, n);
        first = false;
      } else {
        this.stop(`"…":"[truncated]"`);
      }
    }
    for (let i = 0; i < keys.length && !this.stopped; i++) {
      const k = keys[i]!;
      let item: unknown;
      try {
        item = (v as Record<string, unknown>)[k];
      } catch (error) {
        this.truncated = true;
        item = `[Getter threw: ${describe(error)}]`;
      }
      if (this.member(k, item, depth, first)) first = false;
    }
    if (!this.stopped && more > 0) this.more(first, `"…":"[+${more} keys]"`);
    this.ancestors.pop();
    this.close('}');
  }

  /** The marker for entries left out by `maxKeys`. */
  private more(first: boolean, text: string): void {
    this.truncated = true;
    const piece = first ? text : `,${text}`;
    const n = utf8Length(piece);
    if (this.fits(n)) this.emit(piece, n);
    else this.stop(first ? `"…":"[truncated]"` : `,"…":"[truncated]"`);
  }

  private array(v: unknown[], depth: number): void {
    const len = v.length;
    if (depth > this.o.maxDepth) {
      this.truncated = true;
      return this.marker(`[Array(${len})]`);
    }
    if (!this.open('[')) return;
    this.ancestors.push(v);
    const count = Math.min(len, this.o.maxKeys);
    for (let i = 0; i < count && !this.stopped; i++) {
      let item: unknown;
      try {
        item = v[i];
      } catch (error) {
        this.truncated = true;
        item = `[Getter threw: ${describe(error)}]`;
      }
      if (i > 0) this.emit(',', 1);
      this.element(i, item, depth);
    }
    if (!this.stopped && len > count) this.moreItems(count === 0, len - count);
    this.ancestors.pop();
    this.close(']');
  }

  private element(index: number, item: unknown, depth: number): void {
    const track = this.trackPath;
    if (track) this.path.push(index);
    const v = this.redactor === undefined ? item : this.redactor.redact(undefined, item, this.path);
    this.write(v, depth + 1, undefined, false);
    if (track) this.path.pop();
  }

  private moreItems(first: boolean, n: number): void {
    this.truncated = true;
    const piece = `${first ? '' : ','}"…[+${n} items]"`;
    const size = utf8Length(piece);
    if (this.fits(size)) this.emit(piece, size);
    else this.stop(first ? `"${CUT}"` : `,"${CUT}"`);
  }

  /** `{"Map(n)":[[k,v],...]}`: keys of any type survive, and the size shows even when cut. */
  private map(v: Map<unknown, unknown>, depth: number): void {
    const size = v.size;
    if (!this.openCollection('Map', v, size, depth)) return;
    let i = 0;
    for (const [k, item] of v) {
      if (i >= this.o.maxKeys || this.stopped) break;
      if (i > 0) this.emit(',', 1);
      if (this.open('[')) {
        this.element(i, k, depth + 1);
        if (!this.stopped) {
          this.emit(',', 1);
          const keyName = typeof k === 'string' ? k : undefined;
          if (this.trackPath) this.path.push(keyName ?? i);
          try {
            const r = this.redactor === undefined ? item : this.redactor.redact(keyName, item, this.path);
            this.write(r, depth + 2, keyName, false);
          } finally {
            if (this.trackPath) this.path.pop();
          }
        }
        this.close(']');
      }
      i++;
    }
    this.closeCollection(size, i);
  }

  /** `{"Set(n)":[...]}`. */
  private set(v: Set<unknown>, depth: number): void {
    const size = v.size;
    if (!this.openCollection('Set', v, size, depth)) return;
    let i = 0;
    for (const item of v) {
      if (i >= this.o.maxKeys || this.stopped) break;
      if (i > 0) this.emit(',', 1);
      this.element(i, item, depth);
      i++;
    }
    this.closeCollection(size, i);
  }

  /**
   * Opens `{"Map(n)":[` (or `Set`) for the items to follow; false when no item is to be written
   * (too deep: a marker instead; or no room: closed with the final marker).
   */
  private openCollection(kind: 'Map' | 'Set', v: object, size: number, depth: number): boolean {
    if (depth > this.o.maxDepth) {
      this.truncated = true;
      this.marker(`[${kind}(${size})]`);
      return false;
    }
    if (!this.open('{')) return false;
    const head = `"${kind}(${size})":`;
    if (!this.fits(head.length + 2)) {
      this.stop(`"…":"[truncated]"`);
      this.close('}');
      return false;
    }
    this.ancestors.push(v);
    this.emit(head, head.length);
    this.open('[');
    return true;
  }

  /** Closes what `openCollection` opened, after `written` of `size` items. */
  private closeCollection(size: number, written: number): void {
    if (!this.stopped && size > written) this.moreItems(written === 0, size - written);
    this.close(']');
    this.ancestors.pop();
    this.close('}');
  }

  private error(e: Error, depth: number): void {
    let name: string;
    let message: string;
    try {
      name = String(e.name);
    } catch {
      name = typeName(e) ?? 'Error';
    }
    try {
      message = String(e.message);
    } catch (error) {
      message = `[Getter threw: ${describe(error)}]`;
    }
    if (depth > this.o.maxDepth) {
      this.truncated = true;
      return this.string(`[${name}: ${message}]`);
    }
    let stack: string | undefined;
    try {
      const raw: unknown = e.stack;
      if (typeof raw === 'string') {
        // Only the first lines are read; a stack is never split whole when it is huge.
        stack = firstLines(raw, this.o.maxStackLines, this.o.maxStringLength);
        if (stack.length < raw.length) {
          this.truncated = true;
          stack += `\n${CUT}`; // the cut shows where the stack is read
        }
      }
    } catch {
      stack = undefined;
    }
    if (!this.open('{')) return;
    this.ancestors.push(e);
    let first = !this.member('name', name, depth, true);
    if (!this.stopped && this.member('message', message, depth, first)) first = false;
    if (!this.stopped && stack !== undefined && this.member('stack', stack, depth, first)) first = false;
    const { keys, more } = enumerableKeys(e, this.o.maxKeys);
    for (let i = 0; i < keys.length && !this.stopped; i++) {
      const k = keys[i]!;
      if (k === 'name' || k === 'message' || k === 'stack') continue;
      let item: unknown;
      try {
        item = (e as unknown as Record<string, unknown>)[k];
      } catch (error) {
        item = `[Getter threw: ${describe(error)}]`;
      }
      if (this.member(k, item, depth, first)) first = false;
    }
    if (!this.stopped && Object.prototype.hasOwnProperty.call(e, 'cause') && !keys.includes('cause')) {
      let cause: unknown;
      try {
        cause = (e as { cause?: unknown }).cause;
      } catch (error) {
        cause = `[Getter threw: ${describe(error)}]`;
      }
      if (this.member('cause', cause, depth, first)) first = false;
    }
    if (!this.stopped && more > 0) this.more(first, `"…":"[+${more} keys]"`);
    this.ancestors.pop();
    this.close('}');
  }
}

const isEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * The first `max` own enumerable string keys of `v`, and how many own string keys follow them.
 * `Object.keys` would ask a proxy's `getOwnPropertyDescriptor` trap once per key, so a proxy claiming a
 * million keys would cost a million trap calls; here only the keys written are checked, the rest are
 * counted from the one `ownKeys` result (the count may include non-enumerable keys).
 */
export function enumerableKeys(v: object, max: number): { keys: string[]; more: number } {
  const own = Reflect.ownKeys(v);
  const keys: string[] = [];
  let i = 0;
  for (; i < own.length && keys.length < max; i++) {
    const k = own[i];
    if (typeof k === 'string' && isEnumerable.call(v, k)) keys.push(k);
  }
  let more = 0;
  for (; i < own.length; i++) if (typeof own[i] === 'string') more++;
  return { keys, more };
}

/** The first `lines` lines of `text`, at most `maxChars` long, found without splitting the whole text. */
function firstLines(text: string, lines: number, maxChars: number): string {
  let end = 0;
  for (let i = 0; i < lines; i++) {
    const next = text.indexOf('\n', end);
    if (next === -1 || next > maxChars) {
      end = -1;
      break;
    }
    end = next + 1;
  }
  if (end === -1) return text.length > maxChars ? text.slice(0, maxChars) : text;
  return text.slice(0, Math.max(0, end - 1));
}

/** The longest prefix of `s` whose JSON-escaped UTF-8 form takes at most `room` bytes. */
function prefixWithin(s: string, room: number): string {
  let used = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let n: number;
    if (c === 0x22 || c === 0x5c) n = 2;
    else if (c < 0x20) n = 6;
    else if (c < 0x80) n = 1;
    else if (c < 0x800) n = 2;
    else if (c >= 0xd800 && c <= 0xdbff) n = 4;
    else n = 3;
    if (used + n > room) break;
    used += n;
    if (n === 4) i++; // the low half of the pair
  }
  return s.slice(0, i);
}

/** The class name of an object, or undefined when it has none worth showing. Never throws. */
function typeName(v: object): string | undefined {
  try {
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== null && typeof proto === 'object') {
      const ctor = (proto as { constructor?: unknown }).constructor;
      if (typeof ctor === 'function') {
        const name = (ctor as { name?: unknown }).name;
        if (typeof name === 'string' && name !== '') return name;
      }
    }
    const tag = Object.prototype.toString.call(v).slice(8, -1);
    return tag === '' ? undefined : tag;
  } catch {
    return undefined;
  }
}

function safeSymbol(v: symbol): string {
  try {
    return v.toString();
  } catch {
    return 'Symbol()';
  }
}

function functionLabel(fn: Function): string {
  let name = '';
  try {
    name = typeof fn.name === 'string' ? fn.name : '';
  } catch {
    name = '';
  }
  return name === '' ? '[Function (anonymous)]' : `[Function: ${name}]`;
}
