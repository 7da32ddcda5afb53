import { describeError, isThenable } from '@agentrace/core';
import { capString } from '@agentrace/core';
import { trace, type Attributes, type Span } from '@opentelemetry/api';
import { reportOnce } from './diagnostics.js';
import { ATTR_STATE_NAME, ATTR_STATE_SAMPLE, ATTR_STATE_VALUE, ATTR_STATE_VALUE_TRUNCATED, EVENT_STATE_SNAPSHOT } from './semconv.js';
import { serializeState } from './serialize-state.js';
import type { RecordStateOptions, SampleStateOptions, StateSampler } from './types.js';

const DEFAULT_INTERVAL_MS = 1000;

function addSnapshot(span: Span, name: string, value: unknown, options: RecordStateOptions | undefined, sample?: number): void {
  // The serializer never throws by contract; the guard is for the span's own addEvent.
  try {
    const serialized = serializeState(value, options?.serialize);
    const attributes: Attributes = { [ATTR_STATE_NAME]: name, [ATTR_STATE_VALUE]: serialized.value };
    if (serialized.truncated) attributes[ATTR_STATE_VALUE_TRUNCATED] = true;
    if (sample !== undefined) attributes[ATTR_STATE_SAMPLE] = sample;
    span.addEvent(EVENT_STATE_SNAPSHOT, attributes);
  } catch (error) {
    reportOnce('snapshot', `recordState("${name}"): could not record the snapshot (${describeError(error)}).`);
  }
}

/**
 * Adds a `state.snapshot` event to the active span: `state.name` and `state.value`, the value
 * serialized by the same serializer as input/output capture (redacted, size-bounded, safe for
 * circular and odd values). Costs nothing when no span is recording. Never throws.
 */
export function recordState(name: string, value: unknown, options?: RecordStateOptions): void {
  try {
    const span = options?.span ?? trace.getActiveSpan();
    if (span === undefined || !span.isRecording()) return;
    addSnapshot(span, stateName(name), value, options);
  } catch (error) {
    reportOnce('recordState', `recordState: could not record the snapshot (${describeError(error)}).`);
  }
}

/** The `state.name` attribute: any name, cut to 256 bytes (a name is a label, not a payload). */
function stateName(name: unknown): string {
  if (typeof name === 'string') return capString(name, 256);
  // String() of an object may run user code or join a 2^32-long sparse array: JSON within the cap instead.
  if (typeof name === 'object' || typeof name === 'function') return serializeState(name, { maxBytes: 256 }).value;
  return capString(describeError(name), 256);
}


/**
 * Samples `getState()` now and then every `intervalMs` as `state.snapshot` events (with `state.sample`,
 * 1-based) on a long-running span (default: the active one). Stops when `stop()` is called or at the
 * first tick after the span ended. Its timer is unref'd, so it never keeps the process alive. A getter
 * that throws (or rejects) is reported once and that sample skipped.
 */
export function sampleState(name: string, getState: () => unknown, options?: SampleStateOptions): StateSampler {
  const span = options?.span ?? trace.getActiveSpan();
  name = stateName(name);
  let intervalMs = options?.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!(typeof intervalMs === 'number' && intervalMs > 0 && Number.isFinite(intervalMs))) {
    reportOnce('intervalMs', `sampleState("${name}"): option intervalMs must be a positive number of milliseconds; got ${String(intervalMs)}. Using ${DEFAULT_INTERVAL_MS}.`);
    intervalMs = DEFAULT_INTERVAL_MS;
  }
  let timer: ReturnType<typeof setInterval> | undefined;
  let samples = 0;
  const sampler = {
    stopped: false,
    stop(): void {
      sampler.stopped = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
  if (span === undefined || !span.isRecording()) {
    sampler.stopped = true;
    return sampler;
  }

  const record = (value: unknown, n: number): void => {
    // An async getter may settle after the span ended or the sampler stopped.
    if (!sampler.stopped && span.isRecording()) addSnapshot(span, name, value, options, n);
  };
  const failed = (error: unknown): void => {
    reportOnce(`getter:${name}`, `sampleState("${name}"): the state getter threw (${describeError(error)}); samples it fails are skipped.`);
  };
  const tick = (): void => {
    if (sampler.stopped) return;
    if (!span.isRecording()) {
      sampler.stop();
      return;
    }
    const n = ++samples;
    let value: unknown;
    try {
      value = getState();
    } catch (error) {
      failed(error);
      return;
    }
    // Runs from a timer: a throw here would be an uncaught exception in the agent's process.
    try {
      if (isThenable(value)) value.then((v) => record(v, n), failed);
      else record(value, n);
    } catch (error) {
      failed(error);
    }
  };

  tick();
  if (!sampler.stopped) {
    timer = setInterval(tick, intervalMs);
    timer.unref?.();
  }
  return sampler;
}
