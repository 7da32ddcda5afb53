import { setupTracing } from '@agentrace/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { analyseLostUpdates, findLostUpdates, formatLostUpdates, trackRead, trackWrite, type JaegerTrace } from '@agentrace/state';
import { inSpan, tracer } from './utils/spans.js';

const tracing = setupTracing({ serviceName: 'lost-update-unit' });
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

/** A run: a root span carrying the correlation id, with the step spans `body` makes under it. */
function run(correlationId: string, body: () => void): void {
  tracer.startActiveSpan(`run ${correlationId}`, { root: true, attributes: { 'agentrace.correlation_id': correlationId } }, (root) => {
    body();
    root.end();
  });
}

const summary = (spans: Parameters<typeof findLostUpdates>[0]) =>
  findLostUpdates(spans).map((u) => `${u.key}: ${u.overwriting.correlationId} (based on ${u.overwriting.basedOn}) overwrote ${u.lost.correlationId} v${u.lost.version} [${u.orderedBy}]`);

describe('findLostUpdates on in-memory spans', () => {
  it('finds the classic lost update and names both spans, both runs, the key and the versions', () => {
    run('run-A', () => inSpan('read', () => trackRead('profile:1', 1)));
    run('run-B', () => inSpan('read', () => trackRead('profile:1', 1)));
    run('run-A', () => inSpan('save A', () => trackWrite('profile:1', { basedOn: 1, version: 2 })));
    run('run-B', () => inSpan('save B', () => trackWrite('profile:1', { basedOn: 1, version: 3 })));

    const found = findLostUpdates(tracing.spans());
    expect(found).toHaveLength(1);
    const [u] = found;
    const saveA = tracing.spans().find((s) => s.name === 'save A')!;
    const saveB = tracing.spans().find((s) => s.name === 'save B')!;
    expect(u).toMatchObject({
      key: 'profile:1',
      orderedBy: 'versions',
      overwriting: { spanName: 'save B', spanId: saveB.spanContext().spanId, traceId: saveB.spanContext().traceId, correlationId: 'run-B', basedOn: 1, version: 3, serviceName: 'lost-update-unit' },
      lost: { spanName: 'save A', spanId: saveA.spanContext().spanId, traceId: saveA.spanContext().traceId, correlationId: 'run-A', basedOn: 1, version: 2 },
    });

    const text = formatLostUpdates(found);
    expect(text).toContain('Lost update on key "profile:1": version 2 was overwritten by a write based on version 1.');
    expect(text).toMatch(/lost: +run run-A: span "save A" in lost-update-unit \(trace [0-9a-f]{32}, span [0-9a-f]{16}\) wrote version 2 based on version 1/);
    expect(text).toMatch(/overwriter: run run-B: span "save B" .* wrote version 3 based on version 1/);
    expect(text).toContain('1 lost update found.');
  });

  it('finds none when each write is based on the latest version', () => {
    run('run-A', () => inSpan('save', () => { trackRead('k', 1); trackWrite('k', { basedOn: 1, version: 2 }); }));
    run('run-B', () => inSpan('save', () => { trackRead('k', 2); trackWrite('k', { basedOn: 2, version: 3 }); }));
    run('run-C', () => inSpan('save', () => { trackRead('other', 2); trackWrite('other', { basedOn: 1, version: 3 }); }));
    expect(findLostUpdates(tracing.spans())).toEqual([]);
    expect(formatLostUpdates([])).toBe('No lost updates found.\n');
  });

  it('infers a write\'s base from the last read of the key on the same span, and skips blind writes', () => {
    run('run-A', () => inSpan('save', () => { trackRead('k', 5); trackWrite('k', { version: 6 }); }));
    run('run-B', () => inSpan('save', () => { trackRead('k', 5); trackWrite('k', { version: 7 }); }));
    run('run-C', () => inSpan('save', () => trackWrite('k', { version: 8 })));
    const analysis = analyseLostUpdates(tracing.spans());
    expect(analysis).toMatchObject({ writes: 2, blindWrites: 1 });
    expect(summary(tracing.spans())).toEqual(['k: run-B (based on 5) overwrote run-A v6 [versions]']);
  });

  it('counts each lost write once, named with the first write that replaced it', () => {
    run('run-A', () => inSpan('save', () => trackWrite('k', { basedOn: 1, version: 2 })));
    run('run-C', () => inSpan('save', () => trackWrite('k', { basedOn: 1, version: 3 })));
    run('run-B', () => inSpan('save', () => trackWrite('k', { basedOn: 1, version: 4 })));
    // Two updates were lost (v2 and v3), though three writes replaced data they never saw.
    expect(summary(tracing.spans()).sort()).toEqual([
      'k: run-B (based on 1) overwrote run-C v3 [versions]',
      'k: run-C (based on 1) overwrote run-A v2 [versions]',
    ]);
    const v2 = findLostUpdates(tracing.spans()).find((u) => u.lost.version === 2);
    expect(v2?.alsoOverwrittenBy?.map((w) => w.correlationId)).toEqual(['run-B']);
  });

  it('orders two writes of one span by their events, and finds a run overwriting itself', () => {
    run('run-A', () => inSpan('save twice', () => {
      trackWrite('k', { basedOn: 1, version: 2 });
      trackWrite('k', { basedOn: 1, version: 3 });
    }));
    expect(summary(tracing.spans())).toEqual(['k: run-A (based on 1) overwrote run-A v2 [event-order]']);
  });

  it('uses event times when two writers produced the same version from the same base', () => {
    const t0 = Date.now();
    run('run-A', () => inSpan('save', (span) => span.addEvent('state.write', { 'state.key': 'k', 'state.based_on': 1, 'state.version': 2 }, t0)));
    run('run-B', () => inSpan('save', (span) => span.addEvent('state.write', { 'state.key': 'k', 'state.based_on': 1, 'state.version': 2 }, t0 + 5)));
    expect(summary(tracing.spans())).toEqual(['k: run-B (based on 1) overwrote run-A v2 [timestamps]']);
  });

  it('takes the correlation id from the nearest ancestor that has one', () => {
    run('outer', () => inSpan('step', () => inSpan('inner', () => trackWrite('k', { basedOn: 0, version: 2 }))));
    run('other', () => trackWrite('k', { basedOn: 0, version: 1 }));
    const [u] = findLostUpdates(tracing.spans());
    expect(u?.overwriting.correlationId).toBe('outer');
    expect(u?.lost.correlationId).toBe('other');
  });

  it('reads trace trees (the TraceTree model of @agentrace/tracer) as well as spans', () => {
    run('run-A', () => inSpan('step', () => inSpan('save', () => trackWrite('k', { basedOn: 1, version: 2 }))));
    run('run-B', () => inSpan('save', () => trackWrite('k', { basedOn: 1, version: 3 })));
    const trees = tracing.traces();
    expect(trees).toHaveLength(2);
    expect(findLostUpdates(trees)).toEqual(findLostUpdates(tracing.spans()));
    expect(findLostUpdates(trees[0]!)).toEqual([]);
    expect(summary(trees)).toEqual(['k: run-B (based on 1) overwrote run-A v2 [versions]']);
  });

  it('returns nothing (and does not throw) for input it does not understand', () => {
    expect(findLostUpdates(undefined as never)).toEqual([]);
    expect(findLostUpdates({ foo: 1 } as never)).toEqual([]);
    expect(findLostUpdates([1, 2] as never)).toEqual([]);
    expect(findLostUpdates({ data: null })).toEqual([]);
  });
});

describe('findLostUpdates on Jaeger query-API JSON', () => {
  // Shaped like GET /api/traces/<id>: logs carry the event name in the `event` field, times in µs.
  const write = (key: string, basedOn: string | number, version: string | number, tsUs: number) => ({
    timestamp: tsUs,
    fields: [
      { key: 'event', type: 'string', value: 'state.write' },
      { key: 'state.key', type: 'string', value: key },
      { key: 'state.based_on', type: typeof basedOn === 'number' ? 'int64' : 'string', value: basedOn },
      { key: 'state.version', type: typeof version === 'number' ? 'int64' : 'string', value: version },
    ],
  });
  const trace = (traceID: string, correlation: string, logs: ReturnType<typeof write>[]): JaegerTrace => ({
    traceID,
    spans: [
      { traceID, spanID: `${traceID}-root`, operationName: `run ${correlation}`, references: [], startTime: 1, duration: 10, tags: [{ key: 'agentrace.correlation_id', type: 'string', value: correlation }], logs: [], processID: 'p1' },
      { traceID, spanID: `${traceID}-save`, operationName: 'save', references: [{ refType: 'CHILD_OF', traceID, spanID: `${traceID}-root` }], startTime: 2, duration: 5, tags: [], logs, processID: 'p1' },
    ],
    processes: { p1: { serviceName: 'profile-agent', tags: [] } },
  });

  it('follows the chain of string versions (ETags) and orders by event time', () => {
    const a = trace('t1', 'run-A', [write('doc', 'e0', 'e1', 1_000_000)]);
    const b = trace('t2', 'run-B', [write('doc', 'e0', 'e2', 2_000_000)]);
    const c = trace('t3', 'run-C', [write('doc', 'e2', 'e3', 3_000_000)]);
    expect(summary({ data: [a, b, c] })).toEqual(['doc: run-B (based on e0) overwrote run-A ve1 [timestamps]']);
    const [u] = findLostUpdates([a, b, c]);
    expect(u?.overwriting).toMatchObject({ serviceName: 'profile-agent', spanName: 'save', traceId: 't2'.padStart(32, '0'), spanId: 't2-save'.padStart(16, '0'), timeMs: 2000 });
  });

  it('reads int64 versions Jaeger returns as strings as numbers, and pads ids it shortened', () => {
    // Timestamps say the opposite of the versions: only numeric versions give the right answer.
    const a = trace('0abc', 'run-A', [write('k', 1, 2, 2_000)]);
    const b = trace('0abd', 'run-B', [write('k', 1, 3, 1_000)]);
    for (const t of [a, b]) for (const log of t.spans[1]!.logs!) for (const f of log.fields) if (f.type === 'int64') f.value = String(f.value);
    const found = findLostUpdates([a, b]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      orderedBy: 'versions',
      lost: { version: 2, correlationId: 'run-A' },
      overwriting: { basedOn: 1, version: 3, correlationId: 'run-B', traceId: '0abd'.padStart(32, '0') },
    });
  });

  it('accepts one trace, a list of traces or the whole response, and counts a trace fetched twice once', () => {
    const both = trace('t9', 'run-X', [write('k', 1, 2, 1_000), write('k', 1, 3, 2_000)]);
    expect(findLostUpdates(both)).toHaveLength(1);
    expect(findLostUpdates([both, both])).toHaveLength(1);
    expect(findLostUpdates({ data: [both] })).toHaveLength(1);
  });
});
