import { SpanStatusCode } from '@opentelemetry/api';
import { useTracing } from '@agentrace/testing/vitest';
import { traced } from '@agentrace/decorators';
import { describe, expect, it } from 'vitest';
import { spanNamed } from './utils/spans.js';

const tracing = useTracing();

// A call chain of the agent's own, deeper than V8's default 10-frame limit.
function frame1(): never { throw new Error('deep failure'); }
function frame2(): never { return frame1(); }
function frame3(): never { return frame2(); }
function frame4(): never { return frame3(); }
function frame5(): never { return frame4(); }
function frame6(): never { return frame5(); }
function frame7(): never { return frame6(); }
function frame8(): never { return frame7(); }
function frame9(): never { return frame8(); }
function frame10(): never { return frame9(); }
function frame11(): never { return frame10(); }

const agentFrames = (stack: string): string[] => stack.split('\n').filter((l) => /at frame\d+/.test(l)).map((l) => l.trim().split(' ')[1] as string);
/** Every frame of the agent's that the plain call shows is there too (one more may fit). */
function expectAgentFrames(stack: string, plain: Error): void {
  const expected = agentFrames(plain.stack ?? '');
  expect(expected).toHaveLength(10);
  expect(agentFrames(stack).slice(0, expected.length)).toEqual(expected);
}
const internalFrame = /@agentrace|packages[\\/](core|decorators)[\\/](src|dist)[\\/]|@opentelemetry|node:async_hooks/;

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

describe('a failure as a person reads it', () => {
  it('the agent keeps as many of its own frames as without instrumentation; the recorded stack has none of ours', () => {
    const plain = thrownBy(() => frame11());
    const decorated = traced('deep', () => frame11());
    const error = thrownBy(() => decorated());
    expectAgentFrames(error.stack ?? '', plain);
    expect(Error.stackTraceLimit).toBe(10);

    const event = spanNamed(tracing.spans(), 'deep').events.find((e) => e.name === 'exception');
    const recorded = String(event?.attributes?.['exception.stacktrace']);
    expectAgentFrames(recorded, plain);
    expect(recorded.split('\n').slice(1).filter((l) => internalFrame.test(l))).toEqual([]);
    // The caller's error object is untouched: its stack still names the wrapper.
    expect(error.stack).toContain('deep failure');
  });

  it('nested decorated calls each get their own frames back', () => {
    const inner = traced('inner', () => frame11());
    const outer = traced('outer', () => inner());
    const plain = thrownBy(() => frame11());
    expectAgentFrames(thrownBy(() => outer()).stack ?? '', plain);
  });

  it('a limit the function sets itself is kept', () => {
    const f = traced('sets-limit', () => {
      Error.stackTraceLimit = 3;
    });
    try {
      f();
      expect(Error.stackTraceLimit).toBe(3);
    } finally {
      Error.stackTraceLimit = 10;
    }
  });

  it('one exception event per failure, where it was raised; each ancestor: ERROR, error.type and the failing child named', async () => {
    class Boom extends Error {}
    const boom = new Boom('upstream said no');
    const fetchProfile = traced('fetch profile', async () => {
      throw boom;
    });
    const sync = traced('sync', async () => fetchProfile());
    const run = traced('run', async () => sync());
    await expect(run()).rejects.toBe(boom);

    const spans = tracing.spans();
    const exceptionEvents = spans.flatMap((s) => s.events.filter((e) => e.name === 'exception'));
    expect(exceptionEvents).toHaveLength(1);
    expect(spanNamed(spans, 'fetch profile').events.map((e) => e.name)).toContain('exception');
    for (const name of ['sync', 'run']) {
      const span = spanNamed(spans, name);
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: '"fetch profile" failed: upstream said no' });
      expect(span.attributes['error.type']).toBe('Boom');
    }
  });

  it('the same error object failing two runs is recorded once in each', async () => {
    const shared = new Error('shared outage');
    const leaf = traced('leaf', async () => {
      throw shared;
    });
    const runA = traced('run a', async () => leaf(), { type: 'run', newTrace: true });
    const runB = traced('run b', async () => leaf(), { type: 'run', newTrace: true });
    await expect(runA()).rejects.toBe(shared);
    await expect(runB()).rejects.toBe(shared);
    const byTrace = new Map<string, number>();
    for (const s of tracing.spans()) {
      const n = s.events.filter((e) => e.name === 'exception').length;
      byTrace.set(s.spanContext().traceId, (byTrace.get(s.spanContext().traceId) ?? 0) + n);
    }
    expect([...byTrace.values()]).toEqual([1, 1]);
  });

  it('a thrown string is recorded on each span (it cannot be recognised)', async () => {
    const inner = traced('inner-string', async () => {
      throw 'plain string';
    });
    const outer = traced('outer-string', async () => inner());
    await expect(outer()).rejects.toBe('plain string');
    expect(tracing.spans().flatMap((s) => s.events.filter((e) => e.name === 'exception'))).toHaveLength(2);
  });
});
