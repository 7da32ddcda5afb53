import type { LostUpdate, StateWriteRef } from './types.js';

function describeWrite(ref: StateWriteRef): string {
  const run = ref.correlationId !== undefined ? `run ${ref.correlationId}` : 'run (no correlation id)';
  const service = ref.serviceName !== undefined ? ` in ${ref.serviceName}` : '';
  const version = ref.version !== undefined ? `wrote version ${String(ref.version)}` : 'wrote';
  return `${run}: span "${ref.spanName}"${service} (trace ${ref.traceId}, span ${ref.spanId}) ${version} based on version ${String(ref.basedOn)} at ${new Date(ref.timeMs).toISOString()}`;
}

/** The report as text for a terminal or a test failure: one block per lost update, then a count. */
export function formatLostUpdates(lostUpdates: readonly LostUpdate[]): string {
  if (lostUpdates.length === 0) return 'No lost updates found.\n';
  const blocks = lostUpdates.map((u, i) => {
    const order =
      u.orderedBy === 'versions' ? 'version order' : u.orderedBy === 'event-order' ? 'the order of events on one span' : 'event timestamps (subject to clock skew)';
    return [
      `${i + 1}. Lost update on key "${u.key}": version ${String(u.lost.version)} was overwritten by a write based on version ${String(u.overwriting.basedOn)}.`,
      `   lost:       ${describeWrite(u.lost)}`,
      `   overwriter: ${describeWrite(u.overwriting)}`,
      `   proved by:  ${order}`,
    ].join('\n');
  });
  const n = lostUpdates.length;
  return `${blocks.join('\n\n')}\n\n${n} lost update${n === 1 ? '' : 's'} found.\n`;
}
