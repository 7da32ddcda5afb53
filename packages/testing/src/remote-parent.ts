import { context, trace, TraceFlags, type Context } from '@opentelemetry/api';
import type { RemoteParentOptions } from './types.js';

/**
 * The active context with a parent span from another process, as a propagator extracts it from an
 * incoming request or message: spans started in it continue that process's trace.
 */
export function remoteParentContext({ traceId, spanId, sampled = true }: RemoteParentOptions): Context {
  return trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
}
