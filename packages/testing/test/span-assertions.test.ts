import { context, trace } from '@opentelemetry/api';
import {
  assertAllSpansEnded,
  assertExceptionEvent,
  assertNoCrossRunSpans,
  assertNoOrphans,
  findNode,
  findSpan,
  getTraceTrees,
  remoteParentContext,
  setupTracing,
  TraceAssertionError,
} from '@agentrace/testing';
import '@agentrace/testing/vitest';
import { afterAll, describe, expect, it } from 'vitest';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());
const tracer = trace.getTracer('span-assertions-test');

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TraceAssertionError);
    return (error as Error).message;
  }
  throw new Error('expected the assertion to fail');
}

describe('every span ended', () => {
  it('passes when nothing is open and lists the open spans otherwise', () => {
    tracer.startActiveSpan('done', (s) => s.end());
    assertAllSpansEnded(tracing);
    expect(tracing).toHaveEndedAllSpans();

    const leaked = tracer.startSpan('leaked');
    const { traceId, spanId } = leaked.spanContext();
    expect(messageOf(() => assertAllSpansEnded(tracing))).toBe(
      `Expected every span to have ended, but 1 is still open:\n  leaked  (trace ${traceId}, span ${spanId})`,
    );
    expect(() => expect(tracing).toHaveEndedAllSpans()).toThrow('but 1 is still open');
    expect(tracing).not.toHaveEndedAllSpans();
    leaked.end();
    expect(tracing).toHaveEndedAllSpans();
  });
});

describe('no orphan', () => {
  it('passes for whole trees, from spans, trees or the setup', () => {
    tracer.startActiveSpan('root', (root) => {
      tracer.startSpan('child').end();
      root.end();
    });
    assertNoOrphans(tracing);
    assertNoOrphans(tracing.spans());
    assertNoOrphans(getTraceTrees(tracing));
    expect(tracing.traces()[0]).toHaveNoOrphanSpans();
  });

  it('names an orphan whose parent never ended', () => {
    const parent = tracer.startSpan('parent');
    context.with(trace.setSpan(context.active(), parent), () => tracer.startSpan('child').end());
    const child = findSpan(tracing, 'child').spanContext();
    const message = messageOf(() => assertNoOrphans(tracing));
    expect(message.split('\n')).toEqual([
      'Expected no orphan spans, found 1:',
      `  "child" (span ${child.spanId}) in trace ${child.traceId} has parent ${parent.spanContext().spanId}, which is still open (it never ended)`,
      '',
      `  trace ${child.traceId}`,
      expect.stringMatching(new RegExp(`^  child  \\d+\\.\\d\\d ms  \\(orphan: parent ${parent.spanContext().spanId} not in trace\\)$`)),
    ]);
    // Without the setup (spans only), the kit cannot know the parent is open.
    expect(messageOf(() => assertNoOrphans(tracing.spans()))).toContain('which is not in the trace');
    expect(() => expect(tracing).toHaveNoOrphanSpans()).toThrow('Expected no orphan spans, found 1');
    parent.end();
    assertNoOrphans(tracing);
  });

  it('accepts a remote parent only when asked', () => {
    const remote = remoteParentContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
    context.with(remote, () => tracer.startSpan('consume').end());
    expect(messageOf(() => assertNoOrphans(tracing))).toContain(
      'has parent 00f067aa0ba902b7, which is remote (from another process) and not in the trace',
    );
    assertNoOrphans(tracing, { allowRemoteParents: true });
    expect(tracing).toHaveNoOrphanSpans({ allowRemoteParents: true });
  });
});

describe('no span crosses into another run', () => {
  const runSpan = (name: string, run: string | undefined, fn: () => void = () => {}) =>
    tracer.startActiveSpan(name, run ? { attributes: { 'agentrace.correlation_id': run } } : {}, (s) => {
      fn();
      s.end();
    });

  it('passes when each trace holds one run, even with untagged spans', () => {
    runSpan('run a', 'a', () => runSpan('step', 'a', () => runSpan('http', undefined)));
    runSpan('run b', 'b', () => runSpan('step', 'b'));
    assertNoCrossRunSpans(tracing);
    expect(tracing).toHaveNoCrossRunSpans();
  });

  it('shows the trace that mixes runs, with each span\'s run', () => {
    // Run b's work started inside run a's context: the leak the assertion exists to catch.
    runSpan('run a', 'a', () => runSpan('step', 'a', () => runSpan('run b', 'b', () => runSpan('step', 'b'))));
    const traceId = findSpan(tracing, 'run a').spanContext().traceId;
    expect(messageOf(() => assertNoCrossRunSpans(tracing))).toBe(
      [
        'Expected every trace to hold one run (by agentrace.correlation_id), but:',
        `  trace ${traceId} mixes 2 runs: a ("run a", "step"); b ("run b", "step")`,
        '',
        `  trace ${traceId}`,
        '  run a  agentrace.correlation_id=a',
        '  └─ step',
        '     └─ run b  agentrace.correlation_id=b',
        '        └─ step',
      ].join('\n'),
    );
    expect(() => expect(tracing.spans()).toHaveNoCrossRunSpans()).toThrow('mixes 2 runs');
  });

  it('with oneTracePerRun, also fails a run split over traces', () => {
    runSpan('run a', 'a');
    runSpan('run a again', 'a');
    assertNoCrossRunSpans(tracing);
    expect(messageOf(() => assertNoCrossRunSpans(tracing, { oneTracePerRun: true }))).toMatch(/run a is split over 2 traces: [0-9a-f]{32}, [0-9a-f]{32}/);
  });

  it('reads another attribute when asked', () => {
    tracer.startActiveSpan('t', { attributes: { tenant: 'x' } }, (s) => {
      tracer.startSpan('u', { attributes: { tenant: 'y' } }).end();
      s.end();
    });
    assertNoCrossRunSpans(tracing);
    expect(messageOf(() => assertNoCrossRunSpans(tracing, { attribute: 'tenant' }))).toContain('mixes 2 runs: x ("t"); y ("u")');
  });
});

describe('exception event', () => {
  class QuotaError extends Error {
    override name = 'QuotaError';
  }

  it('finds an exception event by type name or class, and message', () => {
    tracer.startActiveSpan('call', (s) => {
      s.recordException(new QuotaError('over quota'));
      s.end();
    });
    const span = findSpan(tracing, 'call');
    assertExceptionEvent(span, 'QuotaError');
    assertExceptionEvent(span, QuotaError, { message: 'over quota' });
    assertExceptionEvent(findNode(tracing.traces(), 'call'), QuotaError, { message: /quota/ });
    expect(span).toHaveExceptionEvent(QuotaError);
    expect(span).not.toHaveExceptionEvent(TypeError);
  });

  it('prints the span\'s events when the one asked for is not there', () => {
    tracer.startActiveSpan('call', (s) => {
      s.addEvent('retry', { attempt: 2 });
      s.recordException(new RangeError('too far'));
      s.end();
    });
    const span = findSpan(tracing, 'call');
    expect(messageOf(() => assertExceptionEvent(span, TypeError))).toBe(
      [
        'Expected span "call" to have an exception event of type TypeError; it has these events:',
        '  call',
        '     • retry  attempt=2',
        '     • exception  exception.type=RangeError exception.message="too far"',
      ].join('\n'),
    );
    expect(messageOf(() => assertExceptionEvent(span, RangeError, { message: 'near' }))).toMatch(/of type RangeError with message "near"; it has these events:/);
    expect(() => expect(span).toHaveExceptionEvent('TypeError')).toThrow('exception event of type TypeError');
  });

  it('says so when the span has no events', () => {
    tracer.startSpan('quiet').end();
    expect(messageOf(() => assertExceptionEvent(findSpan(tracing, 'quiet'), Error))).toBe(
      'Expected span "quiet" to have an exception event of type Error; it has no events:\n  quiet',
    );
  });
});
