import { SpanKind, TraceFlags, context, trace, type Attributes, type Link, type SpanContext } from '@opentelemetry/api';
import { reportOnce } from './diagnostics.js';
import { ATTR_STATE_KEY, ATTR_STATE_LOST_UPDATE, ATTR_STATE_VERSION } from './semconv.js';
import { stateTracer } from './tracer.js';
import type { LostUpdate, StateWriteRef } from './types.js';

/** On an annotation span: the correlation id of the other run of the lost update. */
export const ATTR_STATE_LOST_UPDATE_OTHER_RUN = 'state.lost_update.other_run';
/** On an annotation span: which side of the lost update this trace was, `overwrote` or `lost`. */
export const ATTR_STATE_LOST_UPDATE_ROLE = 'state.lost_update.role';

function parentOf(ref: StateWriteRef): SpanContext {
  return { traceId: ref.traceId, spanId: ref.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
}

function annotate(ref: StateWriteRef, other: StateWriteRef, role: 'overwrote' | 'lost', update: LostUpdate): void {
  const attributes: Attributes = {
    [ATTR_STATE_KEY]: update.key,
    [ATTR_STATE_VERSION]: update.lost.version,
    [ATTR_STATE_LOST_UPDATE]: true,
    [ATTR_STATE_LOST_UPDATE_ROLE]: role,
  };
  if (other.correlationId !== undefined) attributes[ATTR_STATE_LOST_UPDATE_OTHER_RUN] = other.correlationId;
  const links: Link[] = [{ context: parentOf(other), attributes: { [ATTR_STATE_LOST_UPDATE_ROLE]: role === 'lost' ? 'overwrote' : 'lost' } }];
  const name = role === 'overwrote' ? `lost update: overwrote ${update.key} v${update.lost.version}` : `lost update: ${update.key} v${update.lost.version} overwritten`;
  const span = stateTracer().startSpan(
    name,
    { kind: SpanKind.INTERNAL, attributes, links, startTime: ref.timeMs },
    trace.setSpanContext(context.active(), parentOf(ref)),
  );
  span.end(ref.timeMs);
}

/**
 * Writes what the analysis found into the traces it names: for each lost update, a span under the
 * overwriting write's span (`lost update: overwrote <key> v<n>`) and one under the lost write's span
 * (`… overwritten`), each with the key, the lost version, the other run's correlation id and a link to
 * the other write's span. Exported by whatever tracer provider is registered (the trace in Jaeger then
 * shows the finding where it happened). Returns how many spans it started. Never throws.
 */
export function annotateLostUpdates(lostUpdates: readonly LostUpdate[]): number {
  let started = 0;
  for (const update of lostUpdates) {
    try {
      annotate(update.overwriting, update.lost, 'overwrote', update);
      annotate(update.lost, update.overwriting, 'lost', update);
      started += 2;
    } catch (error) {
      reportOnce('annotate', `annotateLostUpdates: could not annotate a finding (${String(error)}); the rest are still annotated.`);
    }
  }
  return started;
}
