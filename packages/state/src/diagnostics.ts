import { diag } from '@opentelemetry/api';

// A misuse repeated on every call would flood the log; one line per kind of problem is enough to fix it.
const reported = new Set<string>();

/** Reports a problem through `diag` once per `kind` for the life of the process. Never throws. */
export function reportOnce(kind: string, message: string): void {
  if (reported.has(kind)) return;
  reported.add(kind);
  try {
    diag.warn(`@agentrace/state: ${message}`);
  } catch {
    // a broken diag logger must not reach the agent either
  }
}
