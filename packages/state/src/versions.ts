import { capString } from '@agentrace/core';
import { trace, type Attributes, type Span } from '@opentelemetry/api';
import { reportOnce } from './diagnostics.js';
import {
  ATTR_STATE_BASED_ON,
  ATTR_STATE_KEY,
  ATTR_STATE_LOST_UPDATE,
  ATTR_STATE_REPLACED_VERSION,
  ATTR_STATE_VERSION,
  EVENT_STATE_READ,
  EVENT_STATE_WRITE,
} from './semconv.js';
import type { StateVersion, TrackReadOptions, TrackWriteOptions } from './types.js';

/**
 * The attribute form of a version: numbers and strings as they are, a Date as epoch milliseconds,
 * a bigint as a number when exact (else its decimal string). Anything else is reported and dropped.
 */
export function versionAttribute(version: unknown, where: string): number | string | undefined {
  if (typeof version === 'number' && Number.isFinite(version)) return version;
  if (typeof version === 'string') return capString(version, MAX_VERSION_BYTES);
  if (isValidDate(version)) return Date.prototype.getTime.call(version);
  if (typeof version === 'bigint') {
    if (version <= BigInt(Number.MAX_SAFE_INTEGER) && version >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(version);
    // A 5,000-digit BigInt is not a version anyone compares by eye; its decimal text is cut like a string.
    return capString(version.toString(), MAX_VERSION_BYTES);
  }
  if (version !== undefined) {
    reportOnce(`version:${where}`, `${where}: a version must be a finite number, a string or a valid Date; got ${describe(version)}. It is not recorded.`);
  }
  return undefined;
}

/** Whether two recorded versions name the same version (Jaeger may hand a number back as a string). */
export function sameVersion(a: string | number, b: string | number): boolean {
  return a === b || String(a) === String(b);
}

/** Versions and keys are identifiers: a 10 MB one is cut (with `…[truncated]`) rather than exported whole. */
const MAX_VERSION_BYTES = 1024;

/** `instanceof Date` and `getTime` that a revoked proxy or a Date subclass cannot make throw. */
function isValidDate(value: unknown): boolean {
  try {
    return value instanceof Date && Number.isFinite(Date.prototype.getTime.call(value));
  } catch {
    return false;
  }
}

/** A short description for a diagnostic; never throws, never long. */
function describe(value: unknown): string {
  try {
    if (value === null) return 'null';
    if (typeof value === 'object' || typeof value === 'function') {
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === 'string' ? capString(name, 100) : typeof value;
    }
    return `${typeof value} ${capString(String(value), 100)}`;
  } catch {
    return 'an unreadable value';
  }
}

export function keyAttribute(key: unknown, where: string): string | undefined {
  if (typeof key === 'string') return capString(key, MAX_VERSION_BYTES);
  if (typeof key === 'number') return String(key);
  if (typeof key === 'bigint') return capString(key.toString(), MAX_VERSION_BYTES);
  reportOnce(`key:${where}`, `${where}: the key must be a string; got ${describe(key)}. Nothing is recorded.`);
  return undefined;
}

function recordingSpan(span: Span | undefined): Span | undefined {
  const target = span ?? trace.getActiveSpan();
  return target !== undefined && target.isRecording() ? target : undefined;
}

/** Records on the active span (a `state.read` event) that this step read version `version` of `key`. */
export function trackRead(key: string, version: StateVersion, options?: TrackReadOptions): void {
  try {
    recordRead(key, version, options);
  } catch (error) {
    reportOnce('trackRead', `trackRead: could not record the read (${describe(error)}); carrying on.`);
  }
}

function recordRead(key: string, version: StateVersion, options: TrackReadOptions | undefined): void {
  const span = recordingSpan(options?.span);
  if (span === undefined) return;
  const k = keyAttribute(key, 'trackRead');
  if (k === undefined) return;
  const attributes: Attributes = { [ATTR_STATE_KEY]: k };
  const v = versionAttribute(version, 'trackRead');
  if (v !== undefined) attributes[ATTR_STATE_VERSION] = v;
  span.addEvent(EVENT_STATE_READ, attributes);
}

/**
 * Records on the active span (a `state.write` event) that this step wrote `key`, based on the version
 * it had read and, if known, producing version `version`. The lost-update analysis reads these events.
 */
export function trackWrite(key: string, write: TrackWriteOptions = {}): void {
  try {
    recordWrite(key, write);
  } catch (error) {
    reportOnce('trackWrite', `trackWrite: could not record the write (${describe(error)}); carrying on.`);
  }
}

function recordWrite(key: string, write: TrackWriteOptions): void {
  const span = recordingSpan(write?.span);
  if (span === undefined) return;
  const k = keyAttribute(key, 'trackWrite');
  if (k === undefined) return;
  const attributes: Attributes = { [ATTR_STATE_KEY]: k };
  const basedOn = versionAttribute(write?.basedOn, 'trackWrite basedOn');
  if (basedOn !== undefined) attributes[ATTR_STATE_BASED_ON] = basedOn;
  const version = versionAttribute(write?.version, 'trackWrite version');
  if (version !== undefined) attributes[ATTR_STATE_VERSION] = version;
  const replaced = versionAttribute(write?.replaced, 'trackWrite replaced');
  if (replaced !== undefined) attributes[ATTR_STATE_REPLACED_VERSION] = replaced;
  span.addEvent(EVENT_STATE_WRITE, attributes);
  // The write overwrote a version it was not based on: visible on the step, not only in an event.
  if (replaced !== undefined && basedOn !== undefined && !sameVersion(replaced, basedOn)) span.setAttribute(ATTR_STATE_LOST_UPDATE, true);
}
