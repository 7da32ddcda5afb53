// A shared corpus of values that break naive serializers, redactors and attribute code: every test of
// "nothing throws into the agent, nothing grows without bound" runs the same list. Each entry builds its
// value afresh (`make()`), so one test's mutation or revocation never leaks into another's.

/** Counts reads of instrumented parts of a hostile value (getters, proxy traps, iterators). */
export interface HostileProbe {
  /** Reads so far. */
  count: number;
  /** Called by the value on each instrumented read. */
  touch(): void;
}

/** One hostile value of the corpus. */
export interface HostileValue {
  /** What it is, unique in the corpus (used as the test name). */
  readonly name: string;
  /** Builds a fresh instance; instrumented reads call `probe.touch()`. */
  make(probe?: HostileProbe): unknown;
  /** True when its serialized form cannot fit the default caps, so an exported copy must carry a truncation marker. */
  readonly exceedsCaps?: boolean;
}

/** A probe that counts instrumented reads. */
export function createHostileProbe(): HostileProbe {
  const probe: HostileProbe = {
    count: 0,
    touch() {
      probe.count++;
    },
  };
  return probe;
}

const TEN_MB = 10 * 1024 * 1024;
const MILLION = 1_000_000;
/** Big enough to dwarf every cap (50 keys) while keeping each build fast. */
const MANY = 100_000;
let manyKeyNames: string[] | undefined;
const DEEP = 10_000;

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** A proxy whose every trap throws (and counts). */
function trapsThrow(probe: HostileProbe, target: object = {}): object {
  const handler: ProxyHandler<object> = {};
  const traps = [
    'apply', 'construct', 'defineProperty', 'deleteProperty', 'get', 'getOwnPropertyDescriptor', 'getPrototypeOf',
    'has', 'isExtensible', 'ownKeys', 'preventExtensions', 'set', 'setPrototypeOf',
  ] as const;
  for (const trap of traps) {
    (handler as Record<string, unknown>)[trap] = () => {
      probe.touch();
      throw new Error(`hostile trap: ${trap}`);
    };
  }
  return new Proxy(target, handler);
}

function throwingGetter(probe: HostileProbe, thrown: () => unknown): object {
  const o: Record<string, unknown> = { before: 1 };
  Object.defineProperty(o, 'boom', {
    enumerable: true,
    get() {
      probe.touch();
      throw thrown();
    },
  });
  o.after = 2;
  return o;
}

function deepObject(levels: number): unknown {
  let v: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < levels; i++) v = { next: v };
  return v;
}

function deepArray(levels: number): unknown {
  let v: unknown[] = ['leaf'];
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

function manyKeys(n: number): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[`k${i}`] = i;
  return o;
}

class ThrowingConstructorGetter {
  field = 'value';
}
Object.defineProperty(ThrowingConstructorGetter.prototype, 'constructor', {
  get() {
    throw new Error('hostile constructor getter');
  },
});

class HostileMap extends Map<unknown, unknown> {
  override [Symbol.iterator](): MapIterator<[unknown, unknown]> {
    throw new Error('hostile Map iterator');
  }
  override entries(): MapIterator<[unknown, unknown]> {
    throw new Error('hostile Map entries');
  }
}

class HostileSet extends Set<unknown> {
  override get size(): number {
    throw new Error('hostile Set size');
  }
}

class InvalidIsoDate extends Date {
  override toISOString(): string {
    throw new Error('hostile toISOString');
  }
  override toJSON(): string {
    throw new Error('hostile Date toJSON');
  }
}

/**
 * The corpus: at least 50 values that `JSON.stringify`, attribute setters and naive walkers throw on,
 * loop on or blow up with (circular graphs, 10 MB strings, 10,000-level nesting, throwing getters and
 * traps, revoked proxies, BigInt, Symbols, typed arrays and huge Buffers, throwing `toJSON`, lone
 * surrogates, a sparse array of length 2^32-1, a proxy claiming 100,000 keys, 100,000 keys, hostile Map/Set members, circular error causes,
 * null-prototype and frozen objects, a throwing `constructor` getter, `Date(NaN)`, functions with hostile
 * properties, a promise that never settles...). Returns fresh entries on every call.
 */
export function hostileValues(): HostileValue[] {
  const p = (probe: HostileProbe | undefined): HostileProbe => probe ?? createHostileProbe();
  return [
    // Cycles.
    { name: 'object referring to itself', make: () => { const o: Record<string, unknown> = { a: 1 }; o.self = o; return o; } },
    { name: 'array containing itself', make: () => { const a: unknown[] = [1]; a.push(a); return a; } },
    { name: 'two objects referring to each other', make: () => { const a: Record<string, unknown> = {}; const b = { a }; a.b = b; return a; } },
    { name: 'Map holding itself as key and value', make: () => { const m = new Map<unknown, unknown>(); m.set(m, m); return m; } },
    { name: 'Set holding itself', make: () => { const s = new Set<unknown>(); s.add(s); return s; } },
    { name: 'frozen object in a cycle', make: () => { const o: Record<string, unknown> = { x: 1 }; o.me = o; return Object.freeze(o); } },
    // Huge strings.
    { name: '10 MB ASCII string', exceedsCaps: true, make: () => 'a'.repeat(TEN_MB) },
    { name: '10 MB string of emoji (surrogate pairs)', exceedsCaps: true, make: () => '😀'.repeat(TEN_MB / 2) },
    { name: '10 MB string of quotes, backslashes and control characters', exceedsCaps: true, make: () => '"\\\n\u0000'.repeat(TEN_MB / 4) },
    { name: 'object with a 10 MB key', exceedsCaps: true, make: () => ({ ['k'.repeat(TEN_MB)]: 1 }) },
    { name: 'boxed 10 MB String', exceedsCaps: true, make: () => new String('b'.repeat(TEN_MB)) },
    { name: 'RegExp with a 10 MB source', exceedsCaps: true, make: () => new RegExp('r'.repeat(TEN_MB)) },
    // Deep nesting.
    { name: 'object nested 10,000 levels', exceedsCaps: true, make: () => deepObject(DEEP) },
    { name: 'array nested 10,000 levels', exceedsCaps: true, make: () => deepArray(DEEP) },
    { name: 'Error causes chained 10,000 deep', exceedsCaps: true, make: () => { let e = new Error('root'); for (let i = 0; i < DEEP; i++) e = new Error(`level ${i}`, { cause: e }); return e; } },
    // Getters and proxies.
    { name: 'getter that throws an Error', make: (probe) => throwingGetter(p(probe), () => new Error('hostile getter')) },
    { name: 'getter that throws undefined', make: (probe) => throwingGetter(p(probe), () => undefined) },
    { name: 'getter that throws a revoked proxy', make: (probe) => throwingGetter(p(probe), revokedProxy) },
    { name: 'getter that throws an error whose message getter throws', make: (probe) => throwingGetter(p(probe), () => { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw new Error('message getter'); } }); return e; }) },
    { name: 'revoked proxy', make: () => revokedProxy() },
    { name: 'proxy whose every trap throws', make: (probe) => trapsThrow(p(probe)) },
    { name: 'array proxy whose every trap throws', make: (probe) => trapsThrow(p(probe), []) },
    { name: 'function proxy whose every trap throws', make: (probe) => trapsThrow(p(probe), function target() {}) },
    { name: 'object whose prototype is a revoked proxy', make: () => Object.create(revokedProxy()) as object },
    { name: 'proxy reporting 100,000 own keys', exceedsCaps: true, make: (probe) => { const keys = (manyKeyNames ??= Array.from({ length: MANY }, (_, i) => `p${i}`)); const pr = p(probe); return new Proxy({}, { ownKeys: () => { pr.touch(); return keys; }, getOwnPropertyDescriptor: () => { pr.touch(); return { value: 1, enumerable: true, configurable: true }; }, get: (_t, k) => { pr.touch(); return String(k); } }); } },
    { name: 'object whose then getter throws', make: (probe) => { const pr = p(probe); return Object.defineProperty({}, 'then', { get() { pr.touch(); throw new Error('hostile then'); } }); } },
    { name: 'object whose Symbol.iterator throws', make: () => ({ [Symbol.iterator]() { throw new Error('hostile iterator'); } }) },
    { name: 'array with a throwing index getter', make: (probe) => { const pr = p(probe); const a = [1, 2, 3]; Object.defineProperty(a, 1, { enumerable: true, get() { pr.touch(); throw new Error('hostile index'); } }); return a; } },
    // Primitives JSON cannot write.
    { name: 'BigInt', make: () => 12345678901234567890n },
    { name: 'BigInt with 5,000 digits', exceedsCaps: true, make: () => 10n ** 5000n },
    { name: 'Symbol', make: () => Symbol('hostile') },
    { name: 'Symbol with a 10 MB description', exceedsCaps: true, make: () => Symbol('s'.repeat(TEN_MB)) },
    { name: 'object with Symbol keys and values', make: () => ({ [Symbol('k')]: 1, s: Symbol.iterator }) },
    { name: 'NaN, Infinities and -0', make: () => [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0] },
    { name: 'undefined', make: () => undefined },
    { name: 'null', make: () => null },
    // Binary data.
    { name: 'Uint8Array of 1M bytes', make: () => new Uint8Array(MILLION).fill(65) },
    { name: 'Float64Array', make: () => new Float64Array([1.5, Number.NaN]) },
    { name: '16 MB Buffer', make: () => Buffer.alloc(16 * 1024 * 1024, 66) },
    { name: 'ArrayBuffer, SharedArrayBuffer and DataView', make: () => ({ ab: new ArrayBuffer(16), sab: new SharedArrayBuffer(8), dv: new DataView(new ArrayBuffer(4)) }) },
    // toJSON.
    { name: 'object with a throwing toJSON', make: () => ({ toJSON() { throw new Error('hostile toJSON'); } }) },
    { name: 'toJSON returning the object itself', make: () => { const o = { x: 1, toJSON(): unknown { return o; } }; return o; } },
    { name: 'toJSON returning a 10 MB string', exceedsCaps: true, make: () => ({ toJSON: () => 't'.repeat(TEN_MB) }) },
    { name: 'toJSON that is a throwing getter', make: (probe) => { const pr = p(probe); return Object.defineProperty({ a: 1 }, 'toJSON', { get() { pr.touch(); throw new Error('hostile toJSON getter'); } }); } },
    // Invalid UTF-16.
    { name: 'lone high surrogate', make: () => 'before\uD800after' },
    { name: 'lone low surrogate', make: () => '\uDC00start' },
    { name: 'lone surrogate as a key', make: () => ({ '\uD83D': 'x' }) },
    { name: 'surrogate pair split at the string cap', exceedsCaps: true, make: () => `${'x'.repeat(1023)}😀${'y'.repeat(100)}` },
    // Huge containers.
    { name: 'sparse array of length 2^32-1', exceedsCaps: true, make: () => { const a: unknown[] = []; a.length = 2 ** 32 - 1; a[5] = 'five'; return a; } },
    { name: 'object with 100,000 keys', exceedsCaps: true, make: () => manyKeys(MANY) },
    { name: 'Map with 100,000 entries', exceedsCaps: true, make: () => new Map(Array.from({ length: MANY }, (_, i) => [i, i])) },
    { name: 'Map with hostile keys and values', make: (probe) => new Map<unknown, unknown>([[revokedProxy(), throwingGetter(p(probe), () => new Error('in Map'))], [Symbol('k'), 10n]]) },
    { name: 'Set with hostile members', make: (probe) => new Set<unknown>([revokedProxy(), trapsThrow(p(probe)), 1n, Symbol('m')]) },
    { name: 'Map subclass whose iterator throws', make: () => new HostileMap([[1, 2]]) },
    { name: 'Set subclass whose size getter throws', make: () => new HostileSet([1]) },
    // Errors.
    { name: 'Error whose cause is itself', make: () => { const e = new Error('self-caused'); (e as { cause?: unknown }).cause = e; return e; } },
    { name: 'Errors with circular causes', make: () => { const a = new Error('a'); const b = new Error('b', { cause: a }); (a as { cause?: unknown }).cause = b; return a; } },
    { name: 'Error with throwing name, message and stack getters', make: (probe) => { const pr = p(probe); const e = new Error('x'); for (const k of ['stack', 'name', 'message']) Object.defineProperty(e, k, { get() { pr.touch(); throw new Error(`hostile ${k}`); } }); return e; } },
    { name: 'Error with a 10 MB stack', exceedsCaps: true, make: () => { const e = new Error('big stack'); e.stack = `Error: big stack\n${'    at frame (file.js:1:1)\n'.repeat(TEN_MB / 28)}`; return e; } },
    { name: 'AggregateError of hostile errors', make: () => new AggregateError([revokedProxy(), new Error('inner')], 'many') },
    // Prototypes and classes.
    { name: 'null-prototype object', make: () => Object.assign(Object.create(null) as object, { a: 1, constructor: 'not a function' }) },
    { name: 'frozen object', make: () => Object.freeze({ a: Object.freeze({ b: 1 }) }) },
    { name: 'class instance with a throwing constructor getter', make: () => new ThrowingConstructorGetter() },
    { name: 'Date(NaN)', make: () => new Date(Number.NaN) },
    { name: 'Date subclass whose toISOString and toJSON throw', make: () => new InvalidIsoDate(0) },
    // Functions and async values.
    { name: 'function with hostile properties', make: (probe) => { const pr = p(probe); const f = function hostile() {}; Object.defineProperty(f, 'name', { get() { pr.touch(); throw new Error('hostile name'); } }); Object.defineProperty(f, 'extra', { enumerable: true, get() { pr.touch(); throw new Error('hostile extra'); } }); return f; } },
    { name: 'async and generator functions', make: () => [async () => 1, function* gen() {}] },
    { name: 'promise that never settles', make: () => new Promise<never>(() => {}) },
    { name: 'WeakMap, WeakSet and WeakRef', make: () => { const k = {}; return [new WeakMap([[k, 1]]), new WeakSet([k]), new WeakRef(k)]; } },
  ];
}
