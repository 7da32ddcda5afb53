import { createReporter, describeError } from '@agentrace/core';
import type { Spec } from './internal-types.js';

/** Every diagnostic of this package goes through it. */
export const reporter = createReporter('@agentrace/decorators');

/** Reports a failing user hook once per decorated function and problem, never throwing. */
export function reportOnce(spec: Spec, what: string, error: unknown): void {
  if (spec.reported.has(what)) return;
  spec.reported.add(what);
  reporter.error(`${what} of "${spec.functionName}" threw (${describeError(error)}); skipped. Reported once for this function.`);
}

/** Runs a user hook; a throw is reported once and turns into `undefined`. */
export function safeCall<T>(spec: Spec, what: string, hook: (...args: any[]) => T, args: ArrayLike<unknown>): T | undefined {
  try {
    return hook.apply(undefined, args as unknown[]);
  } catch (error) {
    reportOnce(spec, what, error);
    return undefined;
  }
}
