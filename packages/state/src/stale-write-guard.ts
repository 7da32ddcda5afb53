import { currentAttempt, describeError, isThenable, recordFailure } from '@agentrace/core';
import { trace, type Attributes, type Span } from '@opentelemetry/api';
import { reportOnce } from './diagnostics.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_STATE_BASED_ON,
  ATTR_STATE_CURRENT_VERSION,
  ATTR_STATE_KEY,
  ATTR_STATE_STALE_ACTION,
  ATTR_STATE_STALE_WRITE,
  ATTR_STATE_STALE_WRITE_ATTEMPT,
  EVENT_STATE_STALE_WRITE,
} from './semconv.js';
import { StaleWriteError } from './stale-write-error.js';
import type { GuardedWriteOptions, GuardedWriteResult, StaleWriteAction, StateVersion } from './types.js';
import { sameVersion, trackWrite, versionAttribute } from './versions.js';

const ACTIONS: readonly StaleWriteAction[] = ['throw', 'skip', 'proceed'];

function defaultIsStale(read: StateVersion, current: StateVersion): boolean {
  const r = versionAttribute(read, 'guardedWrite readVersion');
  const c = versionAttribute(current, 'guardedWrite currentVersion');
  if (r === undefined || c === undefined) return false;
  return !sameVersion(r, c);
}

/** An error's text for a diagnostic: never throws, never long. */

/**
 * The stale-write guard: before running `write`, asks `currentVersion()` what the store holds now and
 * compares it with `readVersion`, the version the caller computed its new value from. If someone else
 * wrote in between, records a `state.stale_write` event (key, read version, current version) and, per
 * `onStale`, throws a `StaleWriteError` (default: recorded on the span as its failure), skips the
 * write, or writes anyway. The span is marked `state.stale_write: true` with the retry attempt that
 * hit it (`state.stale_write.attempt`). A write that runs is recorded as a `state.write` event based on
 * `readVersion`, with the version it replaced (`state.replaced_version`).
 *
 * The check and the write are not one atomic operation in the store: when `currentVersion` answers
 * synchronously they run in the same tick (enough for one process); across processes use the store's
 * own compare-and-set as `write` and the guard for the record.
 */
export async function guardedWrite<R>(
  key: string,
  write: () => R | Promise<R>,
  options: GuardedWriteOptions<R>,
): Promise<GuardedWriteResult<R>> {
  const span = options.span ?? trace.getActiveSpan();
  let onStale: StaleWriteAction = options.onStale ?? 'throw';
  if (!ACTIONS.includes(onStale)) {
    reportOnce('onStale', `guardedWrite: option onStale must be one of ${ACTIONS.join(', ')}; got ${String(onStale)}. Using "throw".`);
    onStale = 'throw';
  }
  const pending = options.currentVersion();
  // Awaiting a synchronous answer would let other work run between the check and the write.
  const current = isThenable(pending) ? await pending : pending;

  let stale: boolean;
  try {
    stale = (options.isStale ?? defaultIsStale)(options.readVersion, current);
  } catch (error) {
    reportOnce('isStale', `guardedWrite: the isStale option threw (${describeError(error)}); treating the write as stale.`);
    stale = true;
  }

  if (stale) {
    recordStale(span, key, options.readVersion, current, onStale);
    if (onStale === 'throw') {
      const error = new StaleWriteError(key, options.readVersion, current);
      // The step turns red where the race was caught, even if the caller catches the error and retries.
      if (span !== undefined && span.isRecording()) recordFailure(span, error);
      throw error;
    }
    if (onStale === 'skip') return { written: false, stale: true, currentVersion: current };
  }

  const result = await write();
  let version: StateVersion | undefined;
  try {
    version = options.newVersion?.(result);
  } catch (error) {
    reportOnce('newVersion', `guardedWrite: the newVersion option threw (${describeError(error)}); the write is recorded without its version.`);
  }
  trackWrite(key, { basedOn: options.readVersion, version, replaced: current, span });
  return { written: true, stale, result, currentVersion: current };
}

function recordStale(
  span: Span | undefined,
  key: string,
  read: StateVersion,
  current: StateVersion,
  action: StaleWriteAction,
): void {
  if (span === undefined || !span.isRecording()) return;
  const attributes: Attributes = {
    [ATTR_STATE_KEY]: key,
    [ATTR_STATE_STALE_ACTION]: action,
    [ATTR_ERROR_TYPE]: 'StaleWriteError',
  };
  const r = versionAttribute(read, 'guardedWrite readVersion');
  if (r !== undefined) attributes[ATTR_STATE_BASED_ON] = r;
  const c = versionAttribute(current, 'guardedWrite currentVersion');
  if (c !== undefined) attributes[ATTR_STATE_CURRENT_VERSION] = c;
  const attempt = currentAttempt();
  attributes[ATTR_STATE_STALE_WRITE_ATTEMPT] = attempt;
  span.addEvent(EVENT_STATE_STALE_WRITE, attributes);
  span.setAttributes({ [ATTR_STATE_STALE_WRITE]: true, [ATTR_STATE_STALE_WRITE_ATTEMPT]: attempt });
}
