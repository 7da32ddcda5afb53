import { createReporter, describeError, type Reporter } from './diagnostics.js';

/** What replaces a masked value: the literal the HTTP semantic conventions give for `url.full` and `url.query`, so every package, and OpenTelemetry's own instrumentations, mask alike. */
export const REDACTED = 'REDACTED';
/** What replaces a value whose user redactor threw: the value is dropped, never leaked. */
export const REDACTION_FAILED = '[REDACTION FAILED]';

/** A path segment: an object key or an array index. */
export type PathSegment = string | number;

/**
 * A user redaction hook, called for every value before it is serialized (the top-level value has key
 * `undefined`). Return `value` itself to keep it, anything else to serialize that instead (e.g. `REDACTED`).
 * `path` is the keys from the root to `value`; it is only valid during the call.
 */
export type RedactFunction = (key: string | undefined, value: unknown, path: readonly PathSegment[]) => unknown;

/** How values are masked before they are serialized. */
export interface RedactOptions {
  /** Extra secret keys: strings are compared after normalisation (lower case, `-`, `_`, `.`, spaces removed), RegExps are tested on the raw key. Default: none. */
  keys?: readonly (string | RegExp)[];
  /** Keys never masked by the key rules, even if they look like secrets (normalised like `keys`). Default: none. */
  allowKeys?: readonly string[];
  /** Extra patterns masked inside any string value (the match is replaced). Default: none. */
  patterns?: readonly RegExp[];
  /** Apply the built-in key and value rules (see `isDefaultSecretKey`, `DEFAULT_SECRET_PATTERNS`). Default: true. */
  defaults?: boolean;
  /** A custom hook run after the key rules, for every value; a throw is reported once through `diag` and the value dropped. Default: none. */
  redact?: RedactFunction;
  /** The text that replaces a masked value or substring. Default: `'REDACTED'`. */
  replacement?: string;
}

/** A compiled set of redaction rules; build it once (`createRedactor`) and reuse it. */
export interface Redactor {
  /** Whether a value under `key` is masked whole. */
  isSecretKey(key: string): boolean;
  /** Masks secret-looking substrings of a string (bearer tokens, API keys, ...). */
  redactString(value: string): string;
  /**
   * The value to serialize in place of `value` found under `key`: the replacement for a secret key,
   * the custom hook's result, or `value` itself. Strings are not pattern-masked here (the serializer
   * does it on the captured part only, see `redactString`). Never throws.
   */
  redact(key: string | undefined, value: unknown, path: readonly PathSegment[]): unknown;
  /** True when `redact` needs the path (a custom hook is set); lets the serializer skip tracking it. */
  readonly usesPath: boolean;
  /** The replacement text. */
  readonly replacement: string;
}

// Normalised key = lower case with `-`, `_`, `.` and whitespace removed, so `X-API-Key`, `api_key`,
// `apiKey` and `API.KEY` all become `apikey`.
const SEPARATORS = /[-_.\s]/g;
function normaliseKey(key: string): string {
  return key.toLowerCase().replace(SEPARATORS, '');
}

/** Secret if the normalised key contains one of these. */
const CONTAINS = ['password', 'passwd', 'passphrase', 'secret', 'apikey', 'privatekey', 'authorization', 'cookie', 'credential'];
/** Secret if the normalised key ends with one of these (`token` would otherwise hit `maxTokens`, `tokenCount`). */
const ENDS_WITH = ['token', 'pwd', 'signature', 'jwt'];
/** Secret if the normalised key is exactly one of these (`sessionId` stays visible: it is the conversation id). */
const EXACT = ['auth', 'session', 'sessionkey', 'sid', 'pass', 'pin', 'otp', 'cvv', 'cvc', 'ssn', 'creditcard', 'cardnumber', 'bearer'];

/**
 * The built-in key rule, applied to the normalised key (lower case, separators `-_. ` removed):
 * it contains password, passwd, passphrase, secret, apikey, privatekey, authorization, cookie, credential;
 * or ends with token, pwd, signature, jwt; or is exactly auth, session, sessionkey, sid, pass, pin, otp,
 * cvv, cvc, ssn, creditcard, cardnumber, bearer. So `access_token`, `refresh_token`, `x-api-key`,
 * `set-cookie`, `client_secret`, `private_key` match; `max_tokens`, `tokenCount`, `sessionId` do not.
 */
export function isDefaultSecretKey(key: string): boolean {
  return isSecretNormalised(normaliseKey(key));
}

function isSecretNormalised(k: string): boolean {
  for (const word of CONTAINS) if (k.includes(word)) return true;
  for (const word of ENDS_WITH) if (k.endsWith(word)) return true;
  return EXACT.includes(k);
}

/**
 * The built-in value rules: substrings masked in every string, whatever its key.
 * Each keeps a short non-secret prefix (`Bearer `, `sk-`) so a reader still sees what was there.
 */
export const DEFAULT_SECRET_PATTERNS: readonly RegExp[] = [
  // HTTP credentials: `Bearer <token>` (8+ characters), `Basic <base64>`. A Basic credential must hold a
  // digit, `+/_~-` or end in `=`, so prose ("a basic understanding.") is left alone.
  /\b(Bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi,
  /\b(Basic\s+)(?=[A-Za-z0-9\-._~+/]*[0-9+/_~-]|[A-Za-z0-9]+=)[A-Za-z0-9\-._~+/]{8,}=*/gi,
  // OpenAI / Anthropic style keys: sk-..., sk-proj-..., sk-ant-...; Stripe sk_live_/rk_live_.
  /\b(sk-(?:proj-|ant-)?|[sr]k_(?:live|test)_)[A-Za-z0-9\-_]{16,}/g,
  // GitHub tokens.
  /\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}/g,
  // Slack tokens.
  /\b(xox[abprs]-)[A-Za-z0-9-]{10,}/g,
  // AWS access key ids.
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g,
  // Google API keys.
  /\b(AIza)[0-9A-Za-z\-_]{30,}/g,
  // JSON Web Tokens.
  /\b(eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  // PEM private keys, also when cut before their END line.
  /(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  // Passwords in URLs: scheme://user:password@host.
  /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+(?=@)/gi,
  // `name: value` / `name=value` pairs in text (an error quoting a header, a query string, a config line,
  // JSON in a string) whose name is a secret one: `x-api-key=...`, `Set-Cookie: session=...`,
  // `"password": "..."`, `access_token=...`. The name, and an auth scheme after it, stay visible.
  /((?:api[-_.]?key|private[-_.]?key|secret|passw(?:or)?d|passphrase|authorization|cookie|credentials?|token|pwd|signature|jwt)["']?\s*[:=]\s*["']?(?:(?:Bearer|Basic|Digest|Token|Negotiate)\s+)?)[^\s"'&,;]+/gi,
];

/**
 * Secrets carried in URLs, masked wherever a URL is written (`url.full`, `url.path`, `http.target`,
 * a span name, a message): a path segment that follows a segment naming a secret (`/reset-password/<t>`,
 * `/token/<t>`, `/api-keys/<k>`, `/invite/<t>`, `/magic-link/<t>`, `/verify/<t>`, `/sessions/<id>`:
 * 8+ characters),
 * chat bot and webhook URLs whose path is the credential (Telegram `/bot<id>:<token>`, Slack
 * `hooks.slack.com/services/…`, Discord `/api/webhooks/<id>/<token>`), and query parameters named like
 * secrets (`sig`, `key`, `code`, `auth`, `X-Amz-*`, anything holding token, secret, password, api key,
 * credential, signature).
 */
export const URL_SECRET_PATTERNS: readonly RegExp[] = [
  /(\/(?:reset[-_]?password|password[-_]?reset|reset|tokens?|access[-_]?tokens?|api[-_]?keys?|apikeys?|keys?|secrets?|passwords?|invite|invitations?|magic[-_]?links?|login[-_]?links?|verify|verification|confirm(?:ation)?|activate|unsubscribe|sessions?)\/)[^/?#\s"']{8,}/gi,
  /(\/bot\d{3,}:)[A-Za-z0-9_-]{20,}/g,
  /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]+/g,
  /(\/api\/webhooks\/\d+\/)[A-Za-z0-9._-]+/g,
  /([?&;](?:sig|key|code|x-amz-[a-z-]+|x-goog-[a-z-]+|awsaccesskeyid|auth|authorization|auth[-_.][^&=#\s"']*|[^&=#\s"']*(?:token|secret|passw(?:or)?d|api[-_.]?key|apikey|credential|signature)[^&=#\s"']*)=)[^&#\s"']+/gi,
];

/**
 * Cheap test for any built-in pattern: one scan of the string. Most strings hold none of these, and
 * then the patterns themselves never run (the serializer calls `redactString` on every string it writes).
 */
const DEFAULT_TRIGGER =
  /bearer|basic|sk-|[sr]k_|gh[pousr]_|github_pat_|xox|AKIA|ASIA|AIza|eyJ|PRIVATE KEY|:\/\/|(?:key|secret|passw(?:or)?d|passphrase|authorization|cookie|credentials?|token|pwd|signature|jwt)["']?\s*[:=]/i;

const KEY_CACHE_LIMIT = 2048;
const MAX_CACHED_KEY_LENGTH = 256;
const MAX_COPY_DEPTH = 100;
const MAX_COPY_ITEMS = 100_000;
const reported = new WeakSet<RedactFunction>();

/**
 * Compiles redaction rules once. Rules, in order, for each value met during serialization:
 * 1. the key is secret (built-in rule unless `defaults: false`, plus `keys`, minus `allowKeys`) → `replacement`;
 * 2. the custom `redact` hook, if any → its result (a throw: reported once via `diag`, value replaced by `[REDACTION FAILED]`);
 * 3. strings: substrings matching the built-in patterns (`DEFAULT_SECRET_PATTERNS`) and `patterns` are replaced,
 *    keeping a recognisable prefix (`Bearer REDACTED`, `sk-REDACTED`).
 */
export function createRedactor(options: RedactOptions = {}): Redactor {
  const useDefaults = options.defaults !== false;
  const replacement = typeof options.replacement === 'string' ? options.replacement : REDACTED;
  const extraExact = new Set<string>();
  const extraRegExps: RegExp[] = [];
  for (const key of options.keys ?? []) {
    if (typeof key === 'string') extraExact.add(normaliseKey(key));
    else if (key instanceof RegExp) extraRegExps.push(new RegExp(key.source, key.flags.replace('g', '')));
  }
  const allow = new Set((options.allowKeys ?? []).map((k) => normaliseKey(String(k))));
  const patterns: RegExp[] = [];
  for (const p of options.patterns ?? []) {
    if (p instanceof RegExp) patterns.push(p.global ? p : new RegExp(p.source, p.flags + 'g'));
  }
  const custom = typeof options.redact === 'function' ? options.redact : undefined;
  // Keys repeat across calls (same argument shapes), so decisions are cached. Keys can come from outside
  // (a payload's fields): bounded at 2,048 keys of at most 256 characters, emptied when full.
  const cache = new Map<string, boolean>();

  function isSecretKey(key: string): boolean {
    let hit = cache.get(key);
    if (hit !== undefined) return hit;
    const k = normaliseKey(key);
    hit = !allow.has(k) && ((useDefaults && isSecretNormalised(k)) || extraExact.has(k) || extraRegExps.some((r) => r.test(key)));
    // Only short keys are kept: a cache of 2,048 keys of 10 MB each would hold 20 GB.
    if (key.length <= MAX_CACHED_KEY_LENGTH) {
      if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
      cache.set(key, hit);
    }
    return hit;
  }

  // Only the user's patterns may lack a capture group; built-ins keep group 1 as a visible prefix.
  const mask = (match: string, prefix: unknown): string =>
    typeof prefix === 'string' && prefix.length < match.length ? prefix + replacement : replacement;

  function redactString(value: string): string {
    let out = value;
    if (useDefaults && DEFAULT_TRIGGER.test(out)) {
      for (const pattern of DEFAULT_SECRET_PATTERNS) {
        pattern.lastIndex = 0;
        out = out.replace(pattern, mask);
      }
    }
    for (const pattern of patterns) {
      pattern.lastIndex = 0;
      out = out.replace(pattern, mask);
    }
    return out;
  }

  function redact(key: string | undefined, value: unknown, path: readonly PathSegment[]): unknown {
    if (key !== undefined && isSecretKey(key)) return replacement;
    if (custom === undefined) return value;
    try {
      return custom(key, value, path);
    } catch (error) {
      if (!reported.has(custom)) {
        reported.add(custom);
        reporter().error(`the redact hook threw (${describeError(error)}); the value it was given is dropped from the span. Reported once.`);
      }
      return REDACTION_FAILED;
    }
  }

  return { isSecretKey, redactString, redact, usesPath: custom !== undefined, replacement };
}

// Created on first use: diagnostics.ts imports the serializer, which imports this module.
let redactReporter: Reporter | undefined;
function reporter(): Reporter {
  return (redactReporter ??= createReporter('@agentrace/core'));
}

/** The redactor with the built-in rules only. */
export const defaultRedactor: Redactor = createRedactor();

/** Resolves the `redact` option shared by serialize and capture: `false` → none, undefined → default. */
export function toRedactor(option: Redactor | RedactOptions | false | undefined): Redactor | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === null) return defaultRedactor;
  if (typeof (option as Redactor).redact === 'function' && typeof (option as Redactor).redactString === 'function') {
    return option as Redactor;
  }
  return createRedactor(option as RedactOptions);
}

/**
 * A redacted deep copy of `value` (plain objects, arrays, Map and Set are copied; strings pattern-masked;
 * other objects kept as they are). Cycles are kept as cycles in the copy. Never throws: a part that
 * cannot be read becomes `[REDACTION FAILED]`. Use it where a value leaves the process by another route
 * than `serializeValue` (which redacts during its own walk).
 */
export function redactValue<T>(value: T, options?: Redactor | RedactOptions): T {
  const redactor = toRedactor(options) ?? defaultRedactor;
  const copies = new Map<object, unknown>();
  const path: PathSegment[] = [];

  function visit(key: string | undefined, input: unknown, depth = 0): unknown {
    const v = redactor.redact(key, input, path);
    if (typeof v === 'string') return redactor.redactString(v);
    if (typeof v !== 'object' || v === null) return v;
    // Deeper than any real payload: dropped rather than copied unchecked or overflowing the stack.
    if (depth >= MAX_COPY_DEPTH) return REDACTION_FAILED;
    const seen = copies.get(v);
    if (seen !== undefined) return seen;
    try {
      if (Array.isArray(v)) {
        // A sparse array may claim 2^32-1 items: past the bound it is dropped rather than walked.
        if (v.length > MAX_COPY_ITEMS) return REDACTION_FAILED;
        const out: unknown[] = [];
        copies.set(v, out);
        for (let i = 0; i < v.length; i++) {
          path.push(i);
          out.push(visit(String(i), v[i], depth + 1));
          path.pop();
        }
        return out;
      }
      if (v instanceof Map) {
        const out = new Map<unknown, unknown>();
        copies.set(v, out);
        for (const [k, item] of v) {
          path.push(String(k));
          out.set(k, visit(typeof k === 'string' ? k : String(k), item, depth + 1));
          path.pop();
        }
        return out;
      }
      if (v instanceof Set) {
        const out = new Set<unknown>();
        copies.set(v, out);
        for (const item of v) out.add(visit(undefined, item, depth + 1));
        return out;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return v;
      const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
      copies.set(v, out);
      for (const k of Object.keys(v)) {
        path.push(k);
        let item: unknown;
        try {
          item = visit(k, (v as Record<string, unknown>)[k], depth + 1);
        } catch {
          item = REDACTION_FAILED;
        }
        out[k] = item;
        path.pop();
      }
      return out;
    } catch {
      return REDACTION_FAILED;
    }
  }

  return visit(undefined, value) as T;
}
