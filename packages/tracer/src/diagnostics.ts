import { DiagLogLevel, diag, type DiagLogger } from '@opentelemetry/api';
import type { DiagnosticLogger, LogLevel } from './types.js';

const LEVELS: Record<LogLevel, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** Standard error, never standard output: the agent's own output stays clean. */
export const stderrLogger: DiagnosticLogger = {
  error: (m) => process.stderr.write(`agentrace error: ${m}\n`),
  warn: (m) => process.stderr.write(`agentrace warn: ${m}\n`),
  info: (m) => process.stderr.write(`agentrace info: ${m}\n`),
  debug: (m) => process.stderr.write(`agentrace debug: ${m}\n`),
};

const WINDOW_MS = 60_000;

function format(message: string, args: unknown[]): string {
  if (!args.length) return message;
  const rest = args.map((a) => {
    if (a instanceof Error) return a.message;
    if (typeof a === 'string') return a;
    try {
      return JSON.stringify(a);
    } catch {
      return String(a);
    }
  });
  return `${message} ${rest.join(' ')}`;
}

/**
 * Reports each distinct problem at most once a minute; repeats in between are counted and the count
 * is given with the next report. "Distinct" ignores numbers, so "dropped 3 spans" and "dropped 7
 * spans" are one problem.
 */
export class RateLimitedLogger implements DiagLogger {
  /** Messages can quote outside input: bounded at 1,001 distinct problems, the oldest forgotten first. */
  private readonly seen = new Map<string, { last: number; suppressed: number }>();

  constructor(
    private readonly target: DiagnosticLogger,
    private readonly now: () => number = Date.now,
  ) {}

  error = (message: string, ...args: unknown[]): void => this.emit('error', message, args);
  warn = (message: string, ...args: unknown[]): void => this.emit('warn', message, args);
  info = (message: string, ...args: unknown[]): void => this.emit('info', message, args);
  debug = (message: string, ...args: unknown[]): void => this.emit('debug', message, args);
  verbose = (message: string, ...args: unknown[]): void => this.emit('debug', message, args);

  private emit(level: keyof DiagnosticLogger, message: string, args: unknown[]): void {
    const text = format(String(message), args);
    const key = `${level}:${text.replace(/\d+/g, '#').slice(0, 200)}`;
    const now = this.now();
    const entry = this.seen.get(key);
    if (entry && now - entry.last < WINDOW_MS) {
      entry.suppressed++;
      return;
    }
    const suffix = entry?.suppressed ? ` (repeated ${entry.suppressed} more times in the last minute)` : '';
    this.seen.set(key, { last: now, suppressed: 0 });
    // Bounded: a flood of distinct messages must not grow the map for ever.
    if (this.seen.size > 1000) this.seen.delete(this.seen.keys().next().value as string);
    try {
      (this.target[level] ?? this.target.warn).call(this.target, text + suffix);
    } catch {
      // A broken user logger must not break the agent.
    }
  }
}

/** Routes the OpenTelemetry API's diagnostics (ours, the SDK's, the instrumentations') to `logger`. */
export function installDiagnostics(logger: DiagnosticLogger, level: LogLevel): RateLimitedLogger {
  const limited = new RateLimitedLogger(logger);
  diag.setLogger(limited, { logLevel: LEVELS[level], suppressOverrideMessage: true });
  return limited;
}
