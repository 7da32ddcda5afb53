import { trace, type Span } from '@opentelemetry/api';
import { reportOnce } from './diagnostics.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';
import { ATTR_IDEMPOTENCY_DEDUPLICATED, ATTR_IDEMPOTENCY_KEY, ATTR_IDEMPOTENCY_WAITED, EVENT_IDEMPOTENCY_DEDUPLICATED } from './semconv.js';
import type { IdempotencyStore } from './types.js';

let defaultStore: MemoryIdempotencyStore | undefined;

/** The process-wide in-memory store `idempotent` uses when given none (created on first use). */
export function defaultIdempotencyStore(): MemoryIdempotencyStore {
  return (defaultStore ??= new MemoryIdempotencyStore());
}

function mark(span: Span | undefined, key: string, deduplicated: boolean, waited: boolean): void {
  if (span === undefined || !span.isRecording()) return;
  span.setAttribute(ATTR_IDEMPOTENCY_KEY, key);
  span.setAttribute(ATTR_IDEMPOTENCY_DEDUPLICATED, deduplicated);
  if (deduplicated) {
    span.addEvent(EVENT_IDEMPOTENCY_DEDUPLICATED, { [ATTR_IDEMPOTENCY_KEY]: key, [ATTR_IDEMPOTENCY_WAITED]: waited });
  }
}

function storeFailed(what: string, error: unknown, consequence = 'the call runs without deduplication'): void {
  reportOnce(`store:${what}`, `idempotent: the idempotency store failed to ${what} (${String(error)}); ${consequence}.`);
}

/**
 * Runs `fn` once per `key`. A repeat (in this process, or in any process sharing the store) does not
 * run `fn`: it returns the first call's result and is recorded on the active span as a deduplicated hit
 * (`state.idempotency.deduplicated: true` and a `state.idempotency.deduplicated` event). A repeat that
 * arrives while the first call is still running waits for it. A call that throws is not remembered:
 * the error reaches its caller unchanged and the next call with the key runs `fn` again. If the store
 * itself fails, `fn` runs (reported once through `diag`): tracing never blocks the agent.
 */
export async function idempotent<T>(key: string, fn: () => T | Promise<T>, store: IdempotencyStore = defaultIdempotencyStore()): Promise<T> {
  const span = trace.getActiveSpan();
  const k = String(key);
  let waited = false;
  for (;;) {
    let claim;
    try {
      claim = await store.claim(k);
    } catch (error) {
      storeFailed('claim the key', error);
      return fn();
    }
    if (claim.status === 'done') {
      mark(span, k, true, waited);
      return claim.result as T;
    }
    if (claim.status === 'pending') {
      waited = true;
      try {
        await store.waitForChange(k);
      } catch (error) {
        storeFailed('wait for the call in flight', error);
        return fn();
      }
      continue;
    }

    const { token } = claim;
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await store.release(k, token).catch((releaseError: unknown) => storeFailed('release the key', releaseError, 'repeats wait until the claim expires'));
      throw error;
    }
    try {
      await store.complete(k, token, result);
    } catch (error) {
      storeFailed('store the result', error, 'the result is returned but not remembered (results must be JSON-serializable for the Redis store)');
      await store.release(k, token).catch(() => undefined);
    }
    mark(span, k, false, waited);
    return result;
  }
}
