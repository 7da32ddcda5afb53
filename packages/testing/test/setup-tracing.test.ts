import { context, propagation, trace } from '@opentelemetry/api';
import { formatTraceTree, setupTracing } from '@agentrace/testing';
import { withRunAttributes } from '@agentrace/decorators';
import { afterAll, describe, expect, it } from 'vitest';

// No `@agentrace/testing/vitest` import here: this file resets by hand, as a file without the
// vitest entry must.
const tracing = setupTracing();
afterAll(() => tracing.shutdown());
const tracer = trace.getTracer('setup-tracing-test');

describe('setupTracing', () => {
  it('shows each span as soon as it ends, and open spans until then', () => {
    tracing.reset();
    const span = tracer.startSpan('work');
    expect(tracing.spans()).toEqual([]);
    expect(tracing.openSpans().map((s) => s.name)).toEqual(['work']);
    span.end();
    expect(tracing.spans().map((s) => s.name)).toEqual(['work']);
    expect(tracing.openSpans()).toEqual([]);
  });

  it('returns a copy of the finished spans that later spans do not change', () => {
    tracing.reset();
    tracer.startSpan('one').end();
    const before = tracing.spans();
    tracer.startSpan('two').end();
    expect(before).toHaveLength(1);
    expect(tracing.spans()).toHaveLength(2);
  });

  it('forgets finished and open spans on reset', () => {
    tracer.startSpan('finished').end();
    const open = tracer.startSpan('open');
    tracing.reset();
    expect(tracing.spans()).toEqual([]);
    expect(tracing.openSpans()).toEqual([]);
    open.end();
  });

  it('installs the same globals as init: AsyncLocalStorage context and W3C propagators', async () => {
    tracing.reset();
    await tracer.startActiveSpan('parent', async (parent) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      // The context survived the timer: the AsyncLocalStorage context manager is active.
      expect(trace.getActiveSpan()).toBe(parent);
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      expect(carrier.traceparent).toMatch(new RegExp(`^00-${parent.spanContext().traceId}-${parent.spanContext().spanId}-01$`));
      parent.end();
    });
  });

  it('puts the run attributes on every span, as init does', () => {
    tracing.reset();
    withRunAttributes({ 'user.id': 'u-1' }, () => tracer.startSpan('inside').end());
    expect(tracing.spans()[0]!.attributes['user.id']).toBe('u-1');
  });

  it('builds trace trees from the finished spans', () => {
    tracing.reset();
    tracer.startActiveSpan('root', (root) => {
      tracer.startSpan('child').end();
      root.end();
    });
    const [tree] = tracing.traces();
    expect(formatTraceTree(tree!, { durations: false })).toBe('root\n└─ child');
  });
});

describe('setupTracing with deterministic ids and timestamps', () => {
  it('prints the same snapshot on every run, restarting on reset', async () => {
    // A second provider in the same file replaces the first as the global one until shut down.
    await tracing.shutdown();
    const fixed = setupTracing({ deterministicIds: true, deterministicTimestamps: true, autoReset: false });
    const run = async () => {
      fixed.reset();
      const t = trace.getTracer('fixed');
      await t.startActiveSpan('run', async (root) => {
        await Promise.all(
          ['a', 'b'].map((name) =>
            t.startActiveSpan(name, async (s) => {
              s.addEvent('start');
              await new Promise((resolve) => setTimeout(resolve, name === 'a' ? 5 : 1));
              s.addEvent('done');
              s.end();
            }),
          ),
        );
        root.end();
      });
      return fixed.spans().map((s) => ({
        name: s.name,
        ...s.spanContext(),
        parent: s.parentSpanContext?.spanId,
        start: s.startTime,
        end: s.endTime,
        duration: s.duration,
        events: s.events.map((e) => [e.name, e.time]),
      }));
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toEqual([
      // b ends first (shorter wait); its clock ticks: run=1, a=2, b=3, b ends=4, a ends=5, run ends=6.
      { name: 'b', traceId: '00000000000000000000000000000001', spanId: '0000000000000003', traceFlags: 1, parent: '0000000000000001',
        start: [1704067200, 3e6], end: [1704067200, 4e6], duration: [0, 1e6],
        events: [['start', [1704067200, 3001000]], ['done', [1704067200, 3002000]]] },
      { name: 'a', traceId: '00000000000000000000000000000001', spanId: '0000000000000002', traceFlags: 1, parent: '0000000000000001',
        start: [1704067200, 2e6], end: [1704067200, 5e6], duration: [0, 3e6],
        events: [['start', [1704067200, 2001000]], ['done', [1704067200, 2002000]]] },
      { name: 'run', traceId: '00000000000000000000000000000001', spanId: '0000000000000001', traceFlags: 1, parent: undefined,
        start: [1704067200, 1e6], end: [1704067200, 6e6], duration: [0, 5e6], events: [] },
    ]);
    expect(formatTraceTree(fixed.traces()[0]!)).toBe(
      [
        'run  5.00 ms',
        '├─ a  3.00 ms',
        '│     • start  +0.00 ms',
        '│     • done  +0.00 ms',
        '└─ b  1.00 ms',
        '      • start  +0.00 ms',
        '      • done  +0.00 ms',
      ].join('\n'),
    );
    await fixed.shutdown();
    await fixed.shutdown(); // twice is fine
  });
});
