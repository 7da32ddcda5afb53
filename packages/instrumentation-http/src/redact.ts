import { defaultRedactor, REDACTED } from '@agentrace/core';

/** The conventions' list of signed-URL query parameters whose values are secrets. */
export const DEFAULT_REDACTED_QUERY_PARAMS: readonly string[] = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

/**
 * Beyond the conventions' list, a query parameter is a secret when its name is one by the key rule of
 * captured values (`token`, `access_token`, `api_key`, `apikey`, `client_secret`, `password`, ...), or
 * is `key` (Google and many other APIs take their API key as `?key=`).
 */
function isSecretParam(name: string, params: ReadonlySet<string>): boolean {
  return params.has(name) || name.toLowerCase() === 'key' || defaultRedactor.isSecretKey(name);
}

/** Words that may make a parameter name secret by that rule: a cheap pre-check, never a miss. */
const SECRET_NAME_WORDS = 'key|pass|secret|auth|cookie|credential|token|pwd|signature|jwt|session|sid|pin|otp|cvv|cvc|ssn|card|bearer';

/**
 * Replaces the values of secret query parameters by `REDACTED` (agentrace's one marker, where the
 * conventions write `REDACTED`). Works on the raw string so the rest of the query stays byte for byte
 * what was sent; returns the input itself when nothing matches.
 */
export function redactQuery(query: string, params: ReadonlySet<string>): string {
  if (query === '') return query;
  let changed = false;
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (isSecretParam(safeDecode(part.slice(0, eq)), params)) {
      parts[i] = `${part.slice(0, eq)}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? parts.join('&') : query;
}

/**
 * `url.full` as the conventions want it, with agentrace's marker: user and password become
 * `REDACTED:REDACTED` and secret query values `REDACTED`. Cheap when there is nothing to
 * redact (the usual case).
 */
export function redactUrl(url: string, params: ReadonlySet<string>): string {
  let out = url;
  const schemeEnd = out.indexOf('://');
  if (schemeEnd !== -1) {
    const authorityStart = schemeEnd + 3;
    let authorityEnd = out.length;
    for (const stop of ['/', '?', '#']) {
      const at = out.indexOf(stop, authorityStart);
      if (at !== -1 && at < authorityEnd) authorityEnd = at;
    }
    const at = out.lastIndexOf('@', authorityEnd);
    if (at >= authorityStart) out = `${out.slice(0, authorityStart)}${REDACTED}:${REDACTED}${out.slice(at)}`;
  }
  const q = out.indexOf('?');
  if (q === -1 || !mayNeedRedaction(out, params)) return out;
  const hash = out.indexOf('#', q);
  const query = hash === -1 ? out.slice(q + 1) : out.slice(q + 1, hash);
  const redacted = redactQuery(query, params);
  if (redacted === query) return out;
  return `${out.slice(0, q + 1)}${redacted}${hash === -1 ? '' : out.slice(hash)}`;
}

const quickChecks = new WeakMap<ReadonlySet<string>, RegExp>();

/**
 * A cheap test run before the real redaction: false when no secret parameter name (or an
 * escaped name, which only the full pass can decode) appears in the URL.
 */
export function mayNeedRedaction(url: string, params: ReadonlySet<string>): boolean {
  let re = quickChecks.get(params);
  if (re === undefined) {
    const names = [...params].map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    re = new RegExp(`[?&](?:${names.join('|')}|[^&=]*(?:${SECRET_NAME_WORDS})|[^&=]*%)[^&=]*=`, 'i');
    quickChecks.set(params, re);
  }
  return re.test(url) || url.includes('@');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
