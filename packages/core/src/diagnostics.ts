import { diag, type DiagLogger } from '@opentelemetry/api';
import { capString, serializeValue } from './serialize.js';

/** Distinct "once" keys remembered per component; past this a component reports each problem at most once more, then stays quiet. */
const MAX_ONCE_KEYS = 1024;

/** How an agentrace component reports problems: through OpenTelemetry's `diag`, never throwing. */
export interface Reporter {
  /** The component's name, e.g. `@agentrace/decorators`; every message is prefixed with it. */
  readonly component: string;
  error(message: string, error?: unknown): void;
  warn(message: string, error?: unknown): void;
  /** `error`, but once per `key` for the life of the process. */
  errorOnce(key: string, message: string, error?: unknown): void;
  /** `warn`, but once per `key` for the life of the process. */
  warnOnce(key: string, message: string, error?: unknown): void;
}

/** Longest description of a value in a diagnostic. */
const MAX_DESCRIPTION_BYTES = 200;

/**
 * The text of a thrown value (or any value) for a diagnostic: an Error's message, a primitive's
 * string, an object's capped JSON. Never runs an object's own `toString` (user code, or a join over a
 * 2^32-long sparse array) and never throws.
 */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return capString(String(error.message), MAX_DESCRIPTION_BYTES);
    if ((typeof error === 'object' && error !== null) || typeof error === 'function') {
      return serializeValue(error, { maxBytes: MAX_DESCRIPTION_BYTES }).value;
    }
    return capString(String(error), MAX_DESCRIPTION_BYTES);
  } catch {
    return '[unprintable]';
  }
}

/**
 * The reporter of one component, on `diag.createComponentLogger`, so its messages go wherever the
 * application routed OpenTelemetry's diagnostics (the tracer's logger, a user's `diag.setLogger`).
 * The component logger passes the namespace as the first argument and the message as the second.
 */
export function createReporter(component: string): Reporter {
  const logger: DiagLogger = diag.createComponentLogger({ namespace: component });
  // Keys may quote outside input (a queue name, a URL): bounded at MAX_ONCE_KEYS (1,024) per component.
  const seen = new Set<string>();
  let overflowed = false;
  const emit = (level: 'error' | 'warn', message: string, error: unknown): void => {
    try {
      logger[level](error === undefined ? message : `${message}: ${describeError(error)}`);
    } catch {
      // a broken user logger must not reach the agent
    }
  };
  const once = (level: 'error' | 'warn', key: string, message: string, error: unknown): void => {
    if (seen.has(key)) return;
    if (seen.size >= MAX_ONCE_KEYS) {
      if (overflowed) return;
      overflowed = true;
      emit('warn', `more than ${MAX_ONCE_KEYS} distinct problems; further ones are not reported`, undefined);
      return;
    }
    seen.add(key);
    emit(level, message, error);
  };
  return {
    component,
    error: (message, error) => emit('error', message, error),
    warn: (message, error) => emit('warn', message, error),
    errorOnce: (key, message, error) => once('error', key, message, error),
    warnOnce: (key, message, error) => once('warn', key, message, error),
  };
}
