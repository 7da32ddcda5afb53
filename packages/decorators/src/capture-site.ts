// The one place where input/output capture (capture.ts) meets the span wrapper. Called only for
// recording spans; the capture helper itself is built once per function at decoration time.
import type { Call } from './call.js';

/** Captures the call's arguments onto its span, when capture is on for it. */
export function captureInputs(call: Call): void {
  call.spec.capture.recordArguments(call.span, call.args);
}

/** Captures the call's result onto its span, when capture is on for it (not for streams: no buffering). */
export function captureOutput(call: Call, value: unknown): void {
  if (!call.streaming) call.spec.capture.recordResult(call.span, value);
}
