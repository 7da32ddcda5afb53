import { defaultRedactor, describeError } from '@agentrace/core';
import type { Attributes } from '@opentelemetry/api';
import { reporter } from './diagnostics.js';

/** Headers that carry credentials: never recorded, whatever the options ask. */
const NEVER_CAPTURED = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
]);

/** Lower-cases the asked header names and drops the credentials ones (reported once). */
export function normalizeHeaderNames(names: readonly unknown[] | undefined, option: string): string[] {
  if (names === undefined) return [];
  if (!Array.isArray(names)) {
    reporter.warnOnce(`option ${option}`, `option ${option} must be an array of header names, got ${describeError(names)}; recording no headers`);
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    if (typeof name !== 'string' || name === '') {
      reporter.warnOnce(`option ${option} name`, `option ${option}: ${describeError(name)} is not a header name; skipped`);
      continue;
    }
    const lower = name.toLowerCase();
    // The same key rule as captured values (x-goog-api-key, x-auth-token, x-amz-security-token, ...).
    if (NEVER_CAPTURED.has(lower) || defaultRedactor.isSecretKey(lower)) {
      reporter.warnOnce(`option ${option}: ${lower}`, `option ${option}: the ${lower} header carries credentials and is never recorded`);
      continue;
    }
    if (!out.includes(lower)) out.push(lower);
  }
  return out;
}

/** Adds `<prefix><name>` attributes (string arrays, as the conventions say) for each header present. */
export function captureHeaders(
  attributes: Attributes,
  prefix: string,
  names: readonly string[],
  get: (name: string) => unknown,
): void {
  for (const name of names) {
    const value = get(name);
    if (value === undefined || value === null) continue;
    // Values are masked like any captured text: a `baggage` member `auth_token=...`, a Bearer token in
    // a header the key rule does not know.
    attributes[prefix + name] = Array.isArray(value) ? value.map(redactHeaderValue) : [redactHeaderValue(value)];
  }
}

function redactHeaderValue(value: unknown): string {
  return defaultRedactor.redactString(String(value));
}
