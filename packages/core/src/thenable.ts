/**
 * Whether `value` is a thenable, without letting a hostile value throw: a revoked proxy or a throwing
 * `then` getter is "not a thenable" and is handed back untouched, as it would be without agentrace.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/**
 * Calls `onSettled` once `result` has settled (at once when it is not a thenable) and returns what the
 * caller must get: `result` itself when it is not a thenable, else a promise chained on it, so a
 * rejection nobody handles stays unhandled with the same error, and a value or error is passed on
 * unchanged. `onSettled` must not throw; its result is ignored.
 */
export function whenSettled<T>(result: T, onSettled: (error: unknown, failed: boolean, value?: unknown) => void): T {
  if (!isThenable(result)) {
    onSettled(undefined, false, result);
    return result;
  }
  return (result as PromiseLike<unknown>).then(
    (value) => {
      onSettled(undefined, false, value);
      return value;
    },
    (error: unknown) => {
      onSettled(error, true);
      throw error;
    },
  ) as T;
}
