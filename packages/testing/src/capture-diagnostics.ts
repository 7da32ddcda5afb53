import { inspect } from 'node:util';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { CaptureDiagnosticsOptions, CapturedDiagnostic, DiagnosticsCapture } from './types.js';

const LEVELS = ['error', 'warn', 'info', 'debug', 'verbose'] as const;

function textOf(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  try {
    return arg instanceof Error ? String(arg) : inspect(arg, { depth: 3, breakLength: Infinity });
  } catch {
    return '[unprintable]';
  }
}

/**
 * Routes OpenTelemetry's `diag` into a list while a test runs. Each message's `text` joins every
 * argument the logger got, with spaces: a component logger's messages (`createReporter`, the SDK's
 * own) read as `"@agentrace/x message"`, and an error passed along shows as `"Error: reason"`.
 * `restore()` turns `diag` off again (`diag.disable()`: the API cannot hand back the logger it had).
 */
export function captureDiagnostics({ logLevel = DiagLogLevel.WARN }: CaptureDiagnosticsOptions = {}): DiagnosticsCapture {
  const messages: CapturedDiagnostic[] = [];
  let capturing = false;
  const logger = {} as DiagLogger;
  for (const level of LEVELS) {
    logger[level] = (...args: unknown[]) => {
      if (capturing) messages.push({ level, text: args.map(textOf).join(' '), args });
    };
  }
  diag.setLogger(logger, { logLevel, suppressOverrideMessage: true });
  // Registering and unregistering the logger log at debug level themselves: not what the test caused.
  capturing = true;
  return {
    messages,
    restore() {
      capturing = false;
      diag.disable();
    },
  };
}
