import { setupTracing } from '@agentrace/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ATTR_STATE_BASED_ON, ATTR_STATE_KEY, ATTR_STATE_VERSION, EVENT_STATE_READ, EVENT_STATE_WRITE, trackRead, trackWrite } from '@agentrace/state';
import { inSpan, spanNamed } from './utils/spans.js';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

describe('trackRead / trackWrite', () => {
  it('records state.read and state.write events with stable attribute names', () => {
    expect([ATTR_STATE_KEY, ATTR_STATE_VERSION, ATTR_STATE_BASED_ON]).toEqual(['state.key', 'state.version', 'state.based_on']);
    inSpan('update profile', () => {
      trackRead('profile:42', 7);
      trackWrite('profile:42', { basedOn: 7, version: 8 });
    });
    const span = spanNamed(tracing.spans(), 'update profile');
    expect(span.events.map((e) => [e.name, e.attributes])).toEqual([
      [EVENT_STATE_READ, { 'state.key': 'profile:42', 'state.version': 7 }],
      [EVENT_STATE_WRITE, { 'state.key': 'profile:42', 'state.based_on': 7, 'state.version': 8 }],
    ]);
  });

  it('accepts string versions and timestamps (a Date becomes epoch milliseconds)', () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    inSpan('step', () => {
      trackRead('doc', 'etag-abc');
      trackWrite('doc', { basedOn: 'etag-abc', version: 'etag-def' });
      trackRead('row', at);
      trackWrite('row', { basedOn: at, version: new Date(at.getTime() + 1) });
      trackWrite('blind');
    });
    const events = spanNamed(tracing.spans(), 'step').events.map((e) => e.attributes);
    expect(events).toEqual([
      { 'state.key': 'doc', 'state.version': 'etag-abc' },
      { 'state.key': 'doc', 'state.based_on': 'etag-abc', 'state.version': 'etag-def' },
      { 'state.key': 'row', 'state.version': at.getTime() },
      { 'state.key': 'row', 'state.based_on': at.getTime(), 'state.version': at.getTime() + 1 },
      { 'state.key': 'blind' },
    ]);
  });

  it('drops bad versions and keys without throwing', () => {
    inSpan('step', () => {
      expect(() => trackRead('k', { v: 1 } as never)).not.toThrow();
      expect(() => trackRead('k', Number.NaN)).not.toThrow();
      expect(() => trackWrite('k', null as never)).not.toThrow();
      expect(() => trackWrite(undefined as never, { basedOn: 1 })).not.toThrow();
      expect(() => trackRead('k', 12n as never)).not.toThrow();
    });
    const events = spanNamed(tracing.spans(), 'step').events.map((e) => e.attributes);
    expect(events).toEqual([{ 'state.key': 'k' }, { 'state.key': 'k' }, { 'state.key': 'k' }, { 'state.key': 'k', 'state.version': 12 }]);
  });

  it('records nothing outside a span', () => {
    trackRead('k', 1);
    trackWrite('k', { basedOn: 1, version: 2 });
    expect(tracing.spans()).toEqual([]);
  });
});
