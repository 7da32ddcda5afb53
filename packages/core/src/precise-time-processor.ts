import type { HrTime } from '@opentelemetry/api';

/**
 * The fields of the SDK's span (sdk-trace-base 2.x `SpanImpl`) this processor reads and writes. The
 * SDK takes a span's start from `Date.now()`, whole milliseconds, and its end and events from that
 * start plus the monotonic duration. Two spans started within the same millisecond are therefore
 * rounded differently, and a child can end after its parent by up to a millisecond.
 */
interface SdkSpanTimes {
  startTime?: unknown;
  _startTimeProvided?: unknown;
  _performanceStartTime?: unknown;
  _performanceOffset?: unknown;
}

/** How far (ms) the precise clock may stray from the wall clock before it is re-anchored. */
const TOLERANCE_MS = 1;

function toHrTime(epochMs: number): HrTime {
  let seconds = Math.floor(epochMs / 1000);
  let nanos = Math.round((epochMs - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}

/**
 * A span processor that gives every span sub-millisecond start, event and end times from one
 * monotonic clock anchored to the wall clock, so a child never starts before or ends after its
 * parent because of rounding. It must come first among the provider's processors. It fits the SDK's
 * `SpanProcessor` by shape (this package does not import the SDK) and leaves alone a span whose start
 * the caller gave, or a span implementation that does not have the SDK's fields.
 */
export class PreciseTimeSpanProcessor {
  /** Wall-clock ms at monotonic time 0: `performance.timeOrigin`, corrected when the wall clock steps. */
  private anchorMs = performance.timeOrigin;

  onStart(span: object): void {
    const s = span as SdkSpanTimes;
    const monotonic = s._performanceStartTime;
    const start = s.startTime;
    if (s._startTimeProvided !== false || typeof monotonic !== 'number' || !Array.isArray(start)) return;
    const wallMs = (start[0] as number) * 1e3 + (start[1] as number) / 1e6; // the SDK's Date.now()
    let precise = this.anchorMs + monotonic;
    // The wall clock was stepped (NTP, a VM resume): follow it, once, rather than drifting away. The
    // tolerance keeps ordinary slewing from re-anchoring between a parent and its child.
    if (precise < wallMs - TOLERANCE_MS || precise >= wallMs + 1 + TOLERANCE_MS) {
      this.anchorMs = wallMs + 0.5 - monotonic;
      precise = wallMs + 0.5;
    }
    s.startTime = toHrTime(precise);
    // Times given as monotonic timestamps (`performance.now()`) land on the same clock.
    s._performanceOffset = this.anchorMs - performance.timeOrigin;
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
