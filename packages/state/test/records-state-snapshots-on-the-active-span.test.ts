import { captureDiagnostics, setupTracing } from '@agentrace/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_STATE_SNAPSHOT, recordState } from '@agentrace/state';
import { eventsNamed, inSpan, spanNamed } from './utils/spans.js';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

function snapshots() {
  return eventsNamed(spanNamed(tracing.spans(), 'step'), EVENT_STATE_SNAPSHOT);
}

describe('recordState', () => {
  it('adds a state.snapshot event with the name and the serialized value', () => {
    inSpan('step', () => recordState('cart', { items: 3, total: 42.5 }));
    const [event, ...rest] = snapshots();
    expect(rest).toEqual([]);
    expect(event!.attributes).toMatchObject({ 'state.name': 'cart' });
    expect(JSON.parse(String(event!.attributes!['state.value']))).toEqual({ items: 3, total: 42.5 });
    expect(event!.attributes!['state.value.truncated']).toBeUndefined();
  });

  it('never throws on circular, BigInt, getter-throwing or huge values, and marks truncation', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular['self'] = circular;
    const hostile = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
    const huge = { text: 'x'.repeat(1_000_000), list: Array.from({ length: 100_000 }, (_, i) => i) };
    inSpan('step', () => {
      expect(() => recordState('circular', circular)).not.toThrow();
      expect(() => recordState('bigint', { n: 10n })).not.toThrow();
      expect(() => recordState('hostile', hostile)).not.toThrow();
      expect(() => recordState('huge', huge)).not.toThrow();
    });
    const events = snapshots();
    expect(events.map((e) => e.attributes!['state.name'])).toEqual(['circular', 'bigint', 'hostile', 'huge']);
    expect(JSON.parse(String(events[0]!.attributes!['state.value']))).toMatchObject({ name: 'loop', self: '[Circular]' });
    expect(String(events[1]!.attributes!['state.value'])).toContain('10n');
    const hugeEvent = events[3]!;
    expect(hugeEvent.attributes!['state.value.truncated']).toBe(true);
    expect(String(hugeEvent.attributes!['state.value']).length).toBeLessThan(100_000);
  });

  it('redacts secrets with the shared serializer, and passes its options through', () => {
    const session = { user: 'ada', password: 'hunter2', apiKey: 'sk-live-123', nested: { access_token: 'abc' }, note: 'x'.repeat(5000) };
    inSpan('step', () => {
      recordState('session', session);
      recordState('custom', { ssnumber: '123', note: 'y'.repeat(50) }, { serialize: { redact: { keys: ['ssnumber'] }, maxStringLength: 10 } });
    });
    const [plain, custom] = snapshots();
    const text = String(plain!.attributes!['state.value']);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('sk-live-123');
    expect(text).not.toContain('"abc"');
    expect(JSON.parse(text)).toMatchObject({ user: 'ada', password: 'REDACTED', apiKey: 'REDACTED' });
    expect(plain!.attributes!['state.value.truncated']).toBe(true);
    expect(JSON.parse(String(custom!.attributes!['state.value']))).toMatchObject({ ssnumber: 'REDACTED' });
    expect(String(custom!.attributes!['state.value'])).not.toContain('y'.repeat(11));
  });

  it('records nothing and does no work without a recording span', () => {
    let touched = false;
    const value = { get probe() { touched = true; return 1; } };
    recordState('outside', value);
    expect(touched).toBe(false);
    expect(tracing.spans()).toEqual([]);
  });

  it('writes to an explicit span when given one', () => {
    inSpan('step', (span) => {
      inSpan('inner', () => recordState('queue', { length: 2 }, { span }));
    });
    expect(snapshots()).toHaveLength(1);
    expect(eventsNamed(spanNamed(tracing.spans(), 'inner'), EVENT_STATE_SNAPSHOT)).toEqual([]);
  });

  it('does not let a non-string name throw', () => {
    const diagnostics = captureDiagnostics();
    try {
      inSpan('step', () => expect(() => recordState(42 as unknown as string, 'v')).not.toThrow());
    } finally {
      diagnostics.restore();
    }
    expect(snapshots()[0]!.attributes!['state.name']).toBe('42');
  });
});
