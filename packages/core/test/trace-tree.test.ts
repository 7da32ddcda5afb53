import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { remoteParentContext, setupTracing } from '@agentrace/testing';
import { buildTraceTrees, formatTraceTree } from '../src/trace-tree.js';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

const tracing = setupTracing();
const tracer = trace.getTracer('trace-tree-test');
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

function inSpan<T>(name: string, fn: (span: Span) => T, kind: SpanKind = SpanKind.INTERNAL): T {
  return tracer.startActiveSpan(name, { kind }, (span) => {
    try {
      return fn(span);
    } finally {
      span.end();
    }
  });
}

describe('buildTraceTrees', () => {
  it('links children to parents and orders them by start time', () => {
    inSpan('run', () => {
      inSpan('fetch', () => {}, SpanKind.CLIENT);
      inSpan('process', () => inSpan('model', () => {}));
      inSpan('write', () => {});
    });
    const trees = buildTraceTrees(tracing.spans());
    expect(trees).toHaveLength(1);
    const [root] = trees[0]!.roots;
    expect(root!.name).toBe('run');
    expect(root!.parentSpanId).toBeUndefined();
    expect(root!.children.map((c) => c.name)).toEqual(['fetch', 'process', 'write']);
    expect(root!.children[0]!.kind).toBe('CLIENT');
    expect(root!.children[1]!.children.map((c) => c.name)).toEqual(['model']);
    expect(root!.children[1]!.children[0]!.parentSpanId).toBe(root!.children[1]!.spanId);
  });

  it('groups spans by trace, in the order traces started', () => {
    inSpan('first', () => inSpan('a', () => {}));
    inSpan('second', () => {});
    const trees = buildTraceTrees(tracing.spans());
    expect(trees.map((t) => t.roots.map((r) => r.name))).toEqual([['first'], ['second']]);
    expect(new Set(trees.map((t) => t.traceId)).size).toBe(2);
  });

  it('keeps a span whose parent is missing as a root with its parentSpanId (an orphan)', () => {
    const parent = tracer.startSpan('never-ended');
    context.with(trace.setSpan(context.active(), parent), () => inSpan('child', () => {}));
    const [tree] = buildTraceTrees(tracing.spans());
    expect(tree!.roots).toHaveLength(1);
    expect(tree!.roots[0]!.parentSpanId).toBe(parent.spanContext().spanId);
    expect(formatTraceTree(tree!, { durations: false })).toBe(
      `child  (orphan: parent ${parent.spanContext().spanId} not in trace)`,
    );
    parent.end();
  });

  it('marks a parent that came from another process', () => {
    const remote = remoteParentContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' });
    context.with(remote, () => inSpan('consume', () => {}, SpanKind.CONSUMER));
    const [tree] = buildTraceTrees(tracing.spans());
    expect(tree!.roots[0]!.parentIsRemote).toBe(true);
    expect(formatTraceTree(tree!, { durations: false })).toBe('consume  CONSUMER  (remote parent b7ad6b7169203331)');
  });

  it('carries status, attributes, events, links, service name and times', () => {
    const linked = tracer.startSpan('linked');
    linked.end();
    inSpan('step', (span) => {
      span.setAttribute('http.request.method', 'GET');
      span.addLink({ context: linked.spanContext(), attributes: { why: 'batch' } });
      span.recordException(new TypeError('bad input'));
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'bad input' });
    });
    const step = buildTraceTrees(tracing.spans())
      .flatMap((t) => t.roots)
      .find((n) => n.name === 'step')!;
    expect(step.status).toEqual({ code: 'ERROR', message: 'bad input' });
    expect(step.attributes).toEqual({ 'http.request.method': 'GET' });
    expect(step.events[0]!.name).toBe('exception');
    expect(step.events[0]!.attributes['exception.type']).toBe('TypeError');
    const { traceId, spanId } = linked.spanContext();
    expect(step.links).toEqual([{ traceId, spanId, attributes: { why: 'batch' } }]);
    expect(typeof step.serviceName).toBe('string');
    expect(step.startTimeMs).toBeGreaterThan(1_600_000_000_000);
    expect(step.durationMs).toBeGreaterThanOrEqual(0);
    expect(step.events[0]!.timeMs).toBeGreaterThanOrEqual(step.startTimeMs);
  });

  it('counts a span exported twice once', () => {
    inSpan('once', () => {});
    const [span] = tracing.spans();
    const trees = buildTraceTrees([span!, span!]);
    expect(trees[0]!.roots).toHaveLength(1);
  });
});

describe('formatTraceTree', () => {
  it('prints an indented tree with kinds, statuses, key attributes and events', () => {
    inSpan('handle message', (run) => {
      run.setAttribute('agentrace.correlation_id', 'msg-1');
      inSpan('fetch', (s) => {
        s.setAttributes({ 'agentrace.correlation_id': 'msg-1', 'http.request.method': 'GET', 'http.response.status_code': 200, 'not.shown': 1 });
        s.setStatus({ code: SpanStatusCode.OK });
      }, SpanKind.CLIENT);
      inSpan('process', (s) => {
        s.setAttribute('agentrace.correlation_id', 'msg-1');
        inSpan('model call', (m) => m.setAttribute('gen_ai.request.model', 'small'));
        const error = new Error('boom');
        s.recordException(error);
        s.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      });
      inSpan('write', (s) => s.setAttribute('agentrace.correlation_id', 'other-run'));
    });
    const [tree] = buildTraceTrees(tracing.spans());
    expect(formatTraceTree(tree!, { durations: false })).toBe(
      [
        'handle message  agentrace.correlation_id=msg-1',
        '├─ fetch  CLIENT  OK  http.request.method=GET http.response.status_code=200',
        '├─ process  ERROR: boom',
        '│  │  • exception  exception.type=Error exception.message=boom',
        '│  └─ model call  gen_ai.request.model=small',
        '└─ write  agentrace.correlation_id=other-run',
      ].join('\n'),
    );
  });

  it('prints durations and event offsets by default', () => {
    inSpan('timed', (s) => s.addEvent('tick'));
    const text = formatTraceTree(buildTraceTrees(tracing.spans())[0]!);
    expect(text).toMatch(/^timed  \d+\.\d\d ms\n   • tick  \+\d+\.\d\d ms$/);
  });

  it('shows every attribute, none, or the ones asked for', () => {
    inSpan('s', (s) => s.setAttributes({ b: 'two words', a: 1, list: ['x', 'y'], empty: '' }));
    const [tree] = buildTraceTrees(tracing.spans());
    expect(formatTraceTree(tree!, { durations: false, attributes: 'all' })).toBe('s  a=1 b="two words" empty="" list=["x","y"]');
    expect(formatTraceTree(tree!, { durations: false, attributes: 'none' })).toBe('s');
    expect(formatTraceTree(tree!, { durations: false, attributes: ['list', 'a'] })).toBe('s  list=["x","y"] a=1');
  });

  it('cuts long values and never prints stack traces unless all attributes are asked for', () => {
    inSpan('long', (s) => {
      s.setAttribute('url.full', `https://example.com/${'x'.repeat(200)}`);
      s.recordException(new RangeError('too far'));
    });
    const [tree] = buildTraceTrees(tracing.spans());
    const text = formatTraceTree(tree!, { durations: false, maxValueLength: 30 });
    expect(text).toBe('long  url.full=https://example.com/xxxxxxxxx…\n   • exception  exception.type=RangeError exception.message="too far"');
    expect(formatTraceTree(tree!, { attributes: 'all' })).toContain('exception.stacktrace=');
  });

  it('shows the service where a trace crosses services, and ids on request', () => {
    const tree = {
      traceId: 't',
      roots: [
        {
          traceId: 't', spanId: 'aaaa', name: 'send', kind: 'PRODUCER' as const, serviceName: 'api', startTimeMs: 0, durationMs: 1,
          status: { code: 'UNSET' as const }, attributes: {}, events: [], links: [],
          children: [
            {
              traceId: 't', spanId: 'bbbb', parentSpanId: 'aaaa', name: 'process', kind: 'CONSUMER' as const, serviceName: 'worker',
              startTimeMs: 0.5, durationMs: 1234.5, status: { code: 'UNSET' as const }, attributes: {}, events: [], links: [], children: [],
            },
          ],
        },
      ],
    };
    expect(formatTraceTree(tree)).toBe('send  [api]  PRODUCER  1.00 ms\n└─ process  [worker]  CONSUMER  1.23 s');
    expect(formatTraceTree(tree, { ids: true, durations: false, kinds: false })).toBe('send  aaaa  [api]\n└─ process  bbbb  [worker]');
    expect(formatTraceTree(tree, { color: true, durations: false })).toContain('\u001b[1msend\u001b[0m');
  });

  it('prints an empty trace readably', () => {
    expect(formatTraceTree({ traceId: 'x', roots: [] })).toBe('(no spans)');
  });
});

describe('ordering', () => {
  it('orders spans started in the same millisecond by their true start', () => {
    // Date.now() has millisecond resolution, so most of these siblings tie on start time.
    inSpan('run', () => {
      for (let i = 0; i < 20; i++) inSpan(`s${i}`, () => {});
    });
    const [tree] = buildTraceTrees([...tracing.spans()].reverse());
    expect(tree!.roots[0]!.children.map((c) => c.name)).toEqual(Array.from({ length: 20 }, (_, i) => `s${i}`));
  });

  it('still prints every span of malformed input where spans are each other\'s parent', () => {
    const fake = (spanId: string, parentId: string, name: string) =>
      ({
        name,
        kind: SpanKind.INTERNAL,
        spanContext: () => ({ traceId: 't'.repeat(32), spanId, traceFlags: 1 }),
        parentSpanContext: { traceId: 't'.repeat(32), spanId: parentId, traceFlags: 1 },
        startTime: [1, 0],
        endTime: [1, 0],
        duration: [0, 0],
        status: { code: SpanStatusCode.UNSET },
        attributes: {},
        links: [],
        events: [],
        ended: true,
        resource: { attributes: {} },
        instrumentationScope: { name: 'x' },
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
      }) as unknown as Parameters<typeof buildTraceTrees>[0][number];
    const [tree] = buildTraceTrees([fake('a', 'b', 'A'), fake('b', 'a', 'B')]);
    expect(formatTraceTree(tree!, { durations: false })).toBe('A  (orphan: parent b not in trace)\n└─ B');
  });
});
