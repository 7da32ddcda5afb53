import { createReporter } from '@agentrace/core';

const reporter = createReporter('@agentrace/state');

/** Reports a problem once per `kind` for the life of the process: a misuse repeated on every call would flood the log. Never throws. */
export function reportOnce(kind: string, message: string): void {
  reporter.warnOnce(kind, message);
}
