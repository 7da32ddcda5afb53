import { jaegerTraceToSpans, jaegerTraceToTree, formatTraceTree, assertTraceShape, type JaegerTrace } from '@agentrace/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';

// The JSON of GET /api/traces/<id> from Jaeger v2, as recorded from the services this repo runs.
const TRACE_ID = '15b073521b76d4743d3a466722579808';
const recorded: JaegerTrace = {
  traceID: TRACE_ID,
  spans: [
    {
      traceID: TRACE_ID,
      spanID: '7ae952756db18f3a',
      operationName: 'ok',
      references: [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID: '8e68513834f30eff' }],
      startTime: 1795887601891000,
      duration: 56,
      tags: [
        { key: 'otel.scope.name', type: 'string', value: 'probe' },
        { key: 'otel.scope.version', type: 'string', value: '1.2.3' },
        { key: 'otel.status_code', type: 'string', value: 'OK' },
        { key: 'span.kind', type: 'string', value: 'internal' },
      ],
      logs: [],
      processID: 'p1',
    },
    {
      traceID: TRACE_ID,
      spanID: '8e68513834f30eff',
      operationName: 'root',
      references: [{ refType: 'FOLLOWS_FROM', traceID: 'b4c7fd44351478ba4dd2a9985f9c4e4e', spanID: 'ca3962f5dcd73ff4' }],
      startTime: 1795887601886000,
      duration: 5476,
      tags: [
        { key: 'b', type: 'bool', value: true },
        { key: 'd', type: 'float64', value: 1.5 },
        { key: 'list', type: 'string', value: '["a","b"]' },
        { key: 'not.array', type: 'string', value: '[1,"x"]' },
        { key: 'n', type: 'int64', value: 3 },
        { key: 'otel.scope.name', type: 'string', value: 'probe' },
        { key: 'span.kind', type: 'string', value: 'server' },
      ],
      logs: [],
      processID: 'p1',
    },
    {
      traceID: TRACE_ID,
      spanID: 'ca0f29aa8a49eec4',
      operationName: 'child',
      references: [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID: '8e68513834f30eff' }],
      startTime: 1795887601887000,
      duration: 4179,
      tags: [
        { key: 'error', type: 'bool', value: true },
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'otel.status_description', type: 'string', value: 'boom' },
        { key: 'span.kind', type: 'string', value: 'client' },
      ],
      logs: [
        {
          timestamp: 1795887601891111,
          fields: [
            { key: 'event', type: 'string', value: 'exception' },
            { key: 'exception.message', type: 'string', value: 'boom' },
            { key: 'exception.stacktrace', type: 'string', value: 'TypeError: boom\n    at somewhere' },
            { key: 'exception.type', type: 'string', value: 'TypeError' },
          ],
        },
      ],
      processID: 'p1',
    },
  ],
  processes: {
    p1: {
      serviceName: 'probe-service',
      tags: [{ key: 'telemetry.sdk.language', type: 'string', value: 'nodejs' }],
    },
  },
};

describe('jaegerTraceToSpans', () => {
  it('reads kind, status, scope, events, links and service back from the tags Jaeger stored them in', () => {
    const spans = jaegerTraceToSpans(recorded);
    const child = spans.find((s) => s.name === 'child')!;
    expect(child.kind).toBe(SpanKind.CLIENT);
    expect(child.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    // Tags that were span fields, and the `error` flag that only mirrors the status, are not attributes.
    expect(child.attributes).toEqual({});
    expect(child.parentSpanContext?.spanId).toBe('8e68513834f30eff');
    expect(child.events).toEqual([
      {
        name: 'exception',
        time: [1795887601, 891111000],
        attributes: { 'exception.message': 'boom', 'exception.stacktrace': 'TypeError: boom\n    at somewhere', 'exception.type': 'TypeError' },
      },
    ]);
    expect(child.startTime).toEqual([1795887601, 887000000]);
    expect(child.duration).toEqual([0, 4179000]);
    expect(child.resource.attributes).toEqual({ 'service.name': 'probe-service', 'telemetry.sdk.language': 'nodejs' });

    const root = spans.find((s) => s.name === 'root')!;
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.kind).toBe(SpanKind.SERVER);
    // Jaeger keeps arrays as JSON text; they are read back as arrays.
    expect(root.attributes).toEqual({ b: true, d: 1.5, list: ['a', 'b'], n: 3, 'not.array': '[1,"x"]' });
    expect(root.links).toEqual([{ context: { traceId: 'b4c7fd44351478ba4dd2a9985f9c4e4e', spanId: 'ca3962f5dcd73ff4', traceFlags: 1 } }]);
    expect(root.instrumentationScope).toEqual({ name: 'probe' });

    const ok = spans.find((s) => s.name === 'ok')!;
    expect(ok.status).toEqual({ code: SpanStatusCode.OK });
    expect(ok.instrumentationScope).toEqual({ name: 'probe', version: '1.2.3' });
  });

  it('pads ids Jaeger gives without leading zeros, and treats an error tag without status as ERROR', () => {
    const [span] = jaegerTraceToSpans({
      traceID: 'abc',
      spans: [{ traceID: 'abc', spanID: 'de', operationName: 'old', startTime: 0, duration: 0, tags: [{ key: 'error', value: true }] }],
    });
    expect(span!.spanContext()).toEqual({ traceId: `${'0'.repeat(29)}abc`, spanId: `${'0'.repeat(14)}de`, traceFlags: 1 });
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes).toEqual({});
  });
});

describe('jaegerTraceToTree', () => {
  it('builds the same tree model, printed and asserted like an in-memory trace', () => {
    const tree = jaegerTraceToTree(recorded);
    expect(tree.traceId).toBe(TRACE_ID);
    expect(formatTraceTree(tree, { durations: false, attributes: 'all' })).toBe(
      [
        'root  SERVER  b=true d=1.5 list=["a","b"] n=3 not.array="[1,\\"x\\"]"',
        '│  ↪ link b4c7fd44351478ba4dd2a9985f9c4e4e/ca3962f5dcd73ff4',
        '├─ child  CLIENT  ERROR: boom',
        '│     • exception  exception.message=boom exception.stacktrace="TypeError: boom\\n    at somewhere" exception.type=TypeError',
        '└─ ok  OK',
      ].join('\n'),
    );
    assertTraceShape(tree, { name: 'root', attributes: { list: ['a', 'b'], n: 3 }, children: [{ name: 'child', status: 'ERROR' }, 'ok'] });
  });

  it('gives an empty tree for a trace without spans', () => {
    expect(jaegerTraceToTree({ traceID: TRACE_ID, spans: [] })).toEqual({ traceId: TRACE_ID, roots: [] });
  });
});
