import { setBaggageAllowlist } from '@agentrace/core';
import { configureCapture, resetCaptureConfig } from './capture.js';
import { reporter } from './report.js';
import type { DecoratorsConfig } from './types.js';

/** The process-wide settings after validation; read on the hot path, so plain fields. */
export interface ResolvedConfig {
  longOpenWarningMs: number;
  streamIdleTimeoutMs: number;
}

function defaults(): ResolvedConfig {
  return {
    longOpenWarningMs: 120_000,
    streamIdleTimeoutMs: 300_000,
  };
}

export let config: ResolvedConfig = defaults();

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value > 0 && Number.isFinite(value)) return value;
  if (value === 0 || value === Infinity) return Infinity;
  reporter.error(`option ${name} must be a positive number of milliseconds (or 0 to turn it off); got ${String(value)}. Keeping ${fallback}.`);
  return fallback;
}

/**
 * Sets process-wide options for every decorated function. Call it once at start-up; calls merge into
 * the current settings. Bad values are reported through `diag` and ignored, never thrown.
 */
export function configureDecorators(options: DecoratorsConfig = {}): void {
  const next: ResolvedConfig = { ...config };
  if (options.baggageAllowlist !== undefined) {
    if (Array.isArray(options.baggageAllowlist) && options.baggageAllowlist.every((k) => typeof k === 'string')) {
      setBaggageAllowlist(options.baggageAllowlist);
    } else {
      reporter.error(`option baggageAllowlist must be an array of attribute names; got ${typeof options.baggageAllowlist}. Ignored.`);
    }
  }
  next.longOpenWarningMs = positive('longOpenWarningMs', options.longOpenWarningMs, config.longOpenWarningMs);
  next.streamIdleTimeoutMs = positive('streamIdleTimeoutMs', options.streamIdleTimeoutMs, config.streamIdleTimeoutMs);
  if (options.capture !== undefined) configureCapture({ enabled: options.capture === true });
  config = next;
}

/** Back to the defaults (tests). */
export function resetDecoratorsConfig(): void {
  config = defaults();
  setBaggageAllowlist(undefined);
  resetCaptureConfig();
}
