import type { AttributeValue } from '@opentelemetry/api';
import { reportOnce } from './diagnostics.js';
import type { SourceSpan } from './internal-types.js';
import { ATTR_CORRELATION_ID, ATTR_STATE_BASED_ON, ATTR_STATE_KEY, ATTR_STATE_VERSION, EVENT_STATE_READ, EVENT_STATE_WRITE } from './semconv.js';
import { toSourceSpans, type LostUpdateInput } from './span-source.js';
import type { LostUpdate, StateWriteRef } from './types.js';
import { sameVersion } from './versions.js';

type Version = string | number;

interface WriteRecord {
  key: string;
  basedOn: Version;
  version?: Version;
  span: SourceSpan;
  /** Position of the event in its span: orders two writes of one span exactly. */
  seq: number;
  timeMs: number;
  ref: StateWriteRef;
}

/** What the analysis looked at, besides what it found. */
export interface LostUpdateAnalysis {
  lostUpdates: LostUpdate[];
  /** Spans read (after removing duplicates). */
  spans: number;
  /** `state.write` events with a known base version (given, or inferred from a read on the same span). */
  writes: number;
  /** `state.write` events with no base version: nothing can be proved about them. */
  blindWrites: number;
}

function asVersion(value: AttributeValue | undefined): Version | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

function correlationIdOf(span: SourceSpan, byId: Map<string, SourceSpan>): string | undefined {
  // Spans made under the tracer all carry it; with a bare SDK only the run's root may, so walk up.
  let current: SourceSpan | undefined = span;
  for (let depth = 0; current !== undefined && depth < 256; depth++) {
    const id = current.attributes[ATTR_CORRELATION_ID];
    if (typeof id === 'string' && id !== '') return id;
    current = current.parentSpanId === undefined ? undefined : byId.get(`${current.traceId}:${current.parentSpanId}`);
  }
  return undefined;
}

function collectWrites(spans: readonly SourceSpan[]): { writes: WriteRecord[]; blind: number } {
  const byId = new Map(spans.map((s) => [`${s.traceId}:${s.spanId}`, s] as const));
  const writes: WriteRecord[] = [];
  let blind = 0;
  for (const span of spans) {
    const lastRead = new Map<string, Version>();
    let correlation: string | undefined | null = null;
    span.events.forEach((event, seq) => {
      const key = event.attributes[ATTR_STATE_KEY];
      if (typeof key !== 'string') return;
      if (event.name === EVENT_STATE_READ) {
        const version = asVersion(event.attributes[ATTR_STATE_VERSION]);
        if (version !== undefined) lastRead.set(key, version);
        return;
      }
      if (event.name !== EVENT_STATE_WRITE) return;
      const basedOn = asVersion(event.attributes[ATTR_STATE_BASED_ON]) ?? lastRead.get(key);
      if (basedOn === undefined) {
        blind++;
        return;
      }
      const version = asVersion(event.attributes[ATTR_STATE_VERSION]);
      if (correlation === null) correlation = correlationIdOf(span, byId);
      const ref: StateWriteRef = {
        traceId: span.traceId,
        spanId: span.spanId,
        spanName: span.name,
        basedOn,
        timeMs: event.timeMs,
      };
      if (correlation !== undefined) ref.correlationId = correlation;
      if (span.serviceName !== undefined) ref.serviceName = span.serviceName;
      if (version !== undefined) ref.version = version;
      writes.push({ key, basedOn, version, span, seq, timeMs: event.timeMs, ref });
    });
  }
  return { writes, blind };
}

/**
 * Whether `write`'s version descends from version `from`: numerically for numbers, else by following
 * the recorded chain of writes (each one's base is an earlier write's version).
 */
function descendsFrom(write: WriteRecord, from: Version, byVersion: Map<string, WriteRecord>): boolean {
  if (write.version === undefined) return false;
  if (typeof write.version === 'number' && typeof from === 'number') return write.version > from;
  const seen = new Set<WriteRecord>();
  let current: WriteRecord | undefined = write;
  while (current !== undefined && !seen.has(current)) {
    if (sameVersion(current.basedOn, from)) return true;
    seen.add(current);
    current = byVersion.get(String(current.basedOn));
  }
  return false;
}

/** Whether `write` was computed from `version` or from a later one (it saw that version's data). */
function builtOn(write: WriteRecord, version: Version, byVersion: Map<string, WriteRecord>): boolean {
  if (sameVersion(write.basedOn, version)) return true;
  if (typeof write.basedOn === 'number' && typeof version === 'number') return write.basedOn > version;
  const base = byVersion.get(String(write.basedOn));
  return base !== undefined && descendsFrom(base, version, byVersion);
}

/** How `a` is known to have happened before `b`, or undefined if it is not known. */
function before(a: WriteRecord, b: WriteRecord): LostUpdate['orderedBy'] | undefined {
  if (a.span === b.span) return a.seq < b.seq ? 'event-order' : undefined;
  if (typeof a.version === 'number' && typeof b.version === 'number' && a.version !== b.version) {
    // Versions grow with each write of a key, so they order the writes better than two clocks can.
    return a.version < b.version ? 'versions' : undefined;
  }
  return a.timeMs < b.timeMs ? 'timestamps' : undefined;
}

/**
 * Like `findLostUpdates`, with counts of what was analysed (spans, writes, writes without a base
 * version) so a caller can tell "no lost update" from "nothing to analyse".
 */
export function analyseLostUpdates(input: LostUpdateInput): LostUpdateAnalysis {
  const all = toSourceSpans(input);
  if (all === undefined) {
    reportOnce('analysis-input', 'findLostUpdates: expected finished spans (ReadableSpan[]), trace trees (TraceTree[]) or Jaeger query-API JSON ({ data: [trace] }, a trace, or an array of traces); got something else. Nothing analysed.');
    return { lostUpdates: [], spans: 0, writes: 0, blindWrites: 0 };
  }
  // The same trace fetched twice (e.g. by service and by id) must not double every finding.
  const unique = [...new Map(all.map((s) => [`${s.traceId}:${s.spanId}`, s] as const)).values()];
  const { writes, blind } = collectWrites(unique);

  const byKey = new Map<string, WriteRecord[]>();
  for (const w of writes) {
    const list = byKey.get(w.key);
    if (list === undefined) byKey.set(w.key, [w]);
    else list.push(w);
  }

  // One finding per lost write: the first write that replaced it unseen; later ones that also built on
  // an older version are listed with it, not counted again.
  const byLostWrite = new Map<WriteRecord, { update: LostUpdate; overwritingTimeMs: number }>();
  for (const [key, keyWrites] of byKey) {
    const byVersion = new Map<string, WriteRecord>();
    for (const w of keyWrites) if (w.version !== undefined && !byVersion.has(String(w.version))) byVersion.set(String(w.version), w);
    for (const overwriting of keyWrites) {
      for (const lost of keyWrites) {
        if (lost === overwriting || lost.version === undefined) continue;
        // `lost` produced a version newer than the one `overwriting` was based on...
        if (!descendsFrom(lost, overwriting.basedOn, byVersion)) continue;
        // ...and was not itself built on `overwriting`'s result...
        if (overwriting.version !== undefined && builtOn(lost, overwriting.version, byVersion)) continue;
        // ...and happened first: `overwriting` replaced data it never saw.
        const orderedBy = before(lost, overwriting);
        if (orderedBy === undefined) continue;
        const found = byLostWrite.get(lost);
        if (found === undefined) {
          byLostWrite.set(lost, { update: { key, overwriting: overwriting.ref, lost: { ...lost.ref, version: lost.version }, orderedBy }, overwritingTimeMs: overwriting.timeMs });
        } else if (overwriting.timeMs < found.overwritingTimeMs) {
          (found.update.alsoOverwrittenBy ??= []).push(found.update.overwriting);
          found.update.overwriting = overwriting.ref;
          found.update.orderedBy = orderedBy;
          found.overwritingTimeMs = overwriting.timeMs;
        } else {
          (found.update.alsoOverwrittenBy ??= []).push(overwriting.ref);
        }
      }
    }
  }
  const lostUpdates = [...byLostWrite.values()].map((f) => f.update);
  lostUpdates.sort((a, b) => a.overwriting.timeMs - b.overwriting.timeMs || a.key.localeCompare(b.key));
  return { lostUpdates, spans: unique.length, writes: writes.length, blindWrites: blind };
}

/**
 * Every lost update the recorded `state.read` / `state.write` events prove: a write W2 of key K based
 * on version v, when another write W1 of K had already produced a newer version than v. W1's update is
 * lost: W2 replaced it without having seen it. Each lost write is one finding, named with the first
 * write that replaced it (later writes that also replaced it unseen are in `alsoOverwrittenBy`). Takes finished spans from an in-memory exporter or a
 * trace (or traces) from Jaeger's query API. A write with no `basedOn` takes the version of the last
 * `trackRead` of the key on the same span; one with neither proves nothing and is skipped.
 *
 * Numeric versions are taken to grow with each write of a key, which orders two writes exactly. Where
 * that does not settle it (equal or missing versions, string versions), event timestamps do, and the
 * finding says `orderedBy: 'timestamps'`.
 */
export function findLostUpdates(input: LostUpdateInput): LostUpdate[] {
  return analyseLostUpdates(input).lostUpdates;
}
