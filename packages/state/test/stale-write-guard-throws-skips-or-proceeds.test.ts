import { setupTracing } from '@agentrace/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_STATE_STALE_WRITE, EVENT_STATE_WRITE, guardedWrite, StaleWriteError } from '@agentrace/state';
import { eventsNamed, inSpan, spanNamed } from './utils/spans.js';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

function events(name: string) {
  return spanNamed(tracing.spans(), 'save').events.filter((e) => e.name === name).map((e) => e.attributes);
}

describe('guardedWrite', () => {
  it('writes when the version is unchanged and records the write based on the read version', async () => {
    let writes = 0;
    const outcome = await inSpan('save', () =>
      guardedWrite('profile:1', () => ++writes, { readVersion: 3, currentVersion: () => 3, newVersion: (n) => 3 + n }),
    );
    expect(outcome).toEqual({ written: true, stale: false, result: 1, currentVersion: 3 });
    expect(events(EVENT_STATE_STALE_WRITE)).toEqual([]);
    expect(events(EVENT_STATE_WRITE)).toEqual([{ 'state.key': 'profile:1', 'state.based_on': 3, 'state.version': 4, 'state.replaced_version': 3 }]);
    const span = spanNamed(tracing.spans(), 'save');
    expect(span.attributes['state.stale_write']).toBeUndefined();
    expect(span.attributes['state.lost_update']).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('onStale "throw" (the default): records state.stale_write and throws a StaleWriteError without writing', async () => {
    let wrote = false;
    const error = await inSpan('save', () =>
      guardedWrite('profile:1', () => { wrote = true; }, { readVersion: 3, currentVersion: async () => 5 }).catch((e: unknown) => e),
    );
    expect(wrote).toBe(false);
    expect(error).toBeInstanceOf(StaleWriteError);
    expect(error).toMatchObject({ name: 'StaleWriteError', key: 'profile:1', readVersion: 3, currentVersion: 5 });
    expect((error as Error).message).toMatch(/read at version 3 .* now holds version 5/);
    expect(events(EVENT_STATE_STALE_WRITE)).toEqual([
      { 'state.key': 'profile:1', 'state.based_on': 3, 'state.current_version': 5, 'state.stale_write.action': 'throw', 'error.type': 'StaleWriteError', 'state.stale_write.attempt': 1 },
    ]);
    expect(events(EVENT_STATE_WRITE)).toEqual([]);
    // The step itself is marked, and red: the guard threw here, even if a caller catches it.
    const span = spanNamed(tracing.spans(), 'save');
    expect(span.attributes).toMatchObject({ 'state.stale_write': true, 'state.stale_write.attempt': 1, 'error.type': 'StaleWriteError' });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(1);
  });

  it('onStale "skip": records the event and skips the write', async () => {
    let wrote = false;
    const outcome = await inSpan('save', () =>
      guardedWrite('doc', () => { wrote = true; }, { readVersion: 'etag-1', currentVersion: () => 'etag-2', onStale: 'skip' }),
    );
    expect(wrote).toBe(false);
    expect(outcome).toEqual({ written: false, stale: true, currentVersion: 'etag-2' });
    expect(events(EVENT_STATE_STALE_WRITE)[0]).toMatchObject({ 'state.based_on': 'etag-1', 'state.current_version': 'etag-2', 'state.stale_write.action': 'skip' });
  });

  it('onStale "proceed": records the event, writes anyway, and the write is recorded on its stale base', async () => {
    const read = new Date('2026-01-01T00:00:00Z');
    const current = new Date('2026-01-01T00:00:05Z');
    const outcome = await inSpan('save', () =>
      guardedWrite('row', async () => 'ok', { readVersion: read, currentVersion: () => current, onStale: 'proceed' }),
    );
    expect(outcome).toMatchObject({ written: true, stale: true, result: 'ok' });
    expect(events(EVENT_STATE_STALE_WRITE)[0]).toMatchObject({ 'state.based_on': read.getTime(), 'state.current_version': current.getTime(), 'state.stale_write.action': 'proceed' });
    expect(events(EVENT_STATE_WRITE)).toEqual([{ 'state.key': 'row', 'state.based_on': read.getTime(), 'state.replaced_version': current.getTime() }]);
    // The write replaced a version it never saw: a lost update, visible on the step as it happens.
    expect(spanNamed(tracing.spans(), 'save').attributes).toMatchObject({ 'state.stale_write': true, 'state.lost_update': true });
  });

  it('compares Date versions by time, not identity', async () => {
    const outcome = await inSpan('save', () =>
      guardedWrite('row', () => 1, { readVersion: new Date(1000), currentVersion: () => new Date(1000) }),
    );
    expect(outcome.stale).toBe(false);
  });

  it('takes a custom isStale (e.g. only a newer timestamp is stale)', async () => {
    const outcome = await inSpan('save', () =>
      guardedWrite('row', () => 1, { readVersion: 10, currentVersion: () => 9, isStale: (r, c) => Number(c) > Number(r) }),
    );
    expect(outcome.stale).toBe(false);
  });

  it('checks and writes in the same tick when currentVersion answers synchronously', async () => {
    let version = 1;
    let interleaved = false;
    const other = Promise.resolve().then(() => { interleaved = true; version++; });
    const outcome = await inSpan('save', () =>
      guardedWrite('k', () => { expect(interleaved).toBe(false); return ++version; }, { readVersion: 1, currentVersion: () => version }),
    );
    await other;
    expect(outcome).toMatchObject({ written: true, stale: false, result: 2 });
  });

  it('rethrows the very error the write threw, and a bad onStale falls back to throw', async () => {
    const failure = new Error('disk full');
    await expect(inSpan('save', () => guardedWrite('k', () => { throw failure; }, { readVersion: 1, currentVersion: () => 1 }))).rejects.toBe(failure);
    tracing.reset();
    await expect(
      inSpan('save', () => guardedWrite('k', () => 1, { readVersion: 1, currentVersion: () => 2, onStale: 'explode' as never })),
    ).rejects.toBeInstanceOf(StaleWriteError);
    expect(eventsNamed(spanNamed(tracing.spans(), 'save'), EVENT_STATE_STALE_WRITE)[0]!.attributes).toMatchObject({ 'state.stale_write.action': 'throw' });
  });
});
