// The decoding itself is @agentrace/core/jaeger's (tested there); the kit hands it back as SDK spans
// that its queries and assertions take like in-memory ones.
import { assertExceptionEvent, assertTraceShape, findSpan, getTraceTree, jaegerTraceToSpans, jaegerTraceToTree, type JaegerTrace } from '@agentrace/testing';
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';

const TRACE_ID = '000000000000000015b073521b76d474';
const fromJaeger: JaegerTrace = {
  // Jaeger shortens a trace id whose high half is zero.
  traceID: '15b073521b76d474',
  spans: [
    {
      traceID: '15b073521b76d474',
      spanID: '8e68513834f30eff',
      operationName: 'invoke_agent support',
      startTime: 1795887601886000,
      duration: 5476,
      tags: [
        { key: 'agentrace.correlation_id', type: 'string', value: 'msg-1' },
        { key: 'span.kind', type: 'string', value: 'server' },
      ],
      processID: 'p1',
    },
    {
      traceID: '15b073521b76d474',
      spanID: 'ca0f29aa8a49eec4',
      operationName: 'execute_tool lookup_order',
      references: [{ refType: 'CHILD_OF', traceID: '15b073521b76d474', spanID: '8e68513834f30eff' }],
      startTime: 1795887601887000,
      duration: 4179,
      tags: [
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'order.id', type: 'int64', value: '1152921504606846977' },
      ],
      logs: [{ timestamp: 1795887601891111, fields: [{ key: 'event', value: 'exception' }, { key: 'exception.type', value: 'OrderNotFound' }] }],
      processID: 'p1',
    },
  ],
  processes: { p1: { serviceName: 'support', tags: [{ key: 'host.name', type: 'string', value: 'worker-1' }] } },
};

describe('Jaeger traces in the kit', () => {
  it('come back as SDK ReadableSpans, with a Resource, that the queries and assertions take', () => {
    const spans = jaegerTraceToSpans(fromJaeger);
    const tool = findSpan(spans, { name: 'execute_tool lookup_order', status: 'ERROR' });
    expect(tool.spanContext().traceId).toBe(TRACE_ID);
    expect(tool.status.code).toBe(SpanStatusCode.ERROR);
    expect(tool.attributes['order.id']).toBe('1152921504606846977');
    expect(tool.resource.attributes).toEqual({ 'service.name': 'support', 'host.name': 'worker-1' });
    // An SDK Resource, not a plain object: code written for in-memory spans works on it.
    expect(typeof tool.resource.merge).toBe('function');
    assertExceptionEvent(tool, 'OrderNotFound');

    const tree = getTraceTree(spans);
    assertTraceShape(tree, ['invoke_agent support', [{ name: 'execute_tool lookup_order', status: 'ERROR' }]]);
    expect(tree).toEqual(jaegerTraceToTree(fromJaeger));
  });
});
