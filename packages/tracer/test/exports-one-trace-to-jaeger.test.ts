import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { init } from '@agentrace/tracer';
import { fetchJaegerTraces, type JaegerKeyValue, type JaegerTrace } from '@agentrace/core/jaeger';
import { otlpTracesEndpoint, waitForTrace } from '@agentrace/testing';

// Waits with the test kit, then reads Jaeger's own JSON: the point is how Jaeger stores the trace.
async function jaegerTracesOf(service: string): Promise<JaegerTrace[]> {
  await waitForTrace({ service, minSpans: 3 });
  return fetchJaegerTraces({ service, limit: 20 });
}

const tag = (s: { tags?: JaegerKeyValue[] }, key: string) => s.tags?.find((t) => t.key === key)?.value;

describe('end to end with the real Jaeger', () => {
  it('stores one trace with exactly the tree, tags, error flag, events and resource the agent made', async () => {
    const service = `tracer-e2e-${process.pid}-${Date.now()}`;
    const handle = init({
      serviceName: service,
      serviceVersion: '9.9.9',
      environment: 'test',
      resourceAttributes: { 'agent.team': 'platform' },
      endpoint: otlpTracesEndpoint(),
      handleExit: false,
      http: false,
      queues: false,
    });
    const tracer = trace.getTracer('e2e');
    const failure = new TypeError('the CRM said no');
    await tracer.startActiveSpan('handle message', { kind: SpanKind.CONSUMER }, async (root) => {
      root.setAttributes({ 'attr.string': 'hello', 'attr.int': 42, 'attr.double': 1.5, 'attr.bool': true, 'attr.strings': ['a', 'b'], 'attr.ints': [1, 2] });
      root.addEvent('received', { 'message.size': 128 });
      await tracer.startActiveSpan('fetch profile', async (fetchSpan) => {
        await tracer.startActiveSpan('call crm', { kind: SpanKind.CLIENT }, async (crm) => {
          crm.recordException(failure);
          crm.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
          crm.end();
        });
        fetchSpan.end();
      });
      root.end();
    });
    await handle.shutdown();

    const traces = await jaegerTracesOf(service);
    expect(traces).toHaveLength(1);
    const [t] = traces as [JaegerTrace];
    const byName = new Map(t.spans.map((s) => [s.operationName, s]));
    expect([...byName.keys()].sort()).toEqual(['call crm', 'fetch profile', 'handle message']);
    const root = byName.get('handle message')!;
    const fetchSpan = byName.get('fetch profile')!;
    const crm = byName.get('call crm')!;

    expect(root.references).toEqual([]);
    expect(fetchSpan.references).toMatchObject([{ refType: 'CHILD_OF', spanID: root.spanID }]);
    expect(crm.references).toMatchObject([{ refType: 'CHILD_OF', spanID: fetchSpan.spanID }]);

    expect(tag(root, 'attr.string')).toBe('hello');
    expect(tag(root, 'attr.int')).toBe(42);
    expect(tag(root, 'attr.double')).toBe(1.5);
    expect(tag(root, 'attr.bool')).toBe(true);
    expect(JSON.parse(String(tag(root, 'attr.strings')))).toEqual(['a', 'b']);
    expect(JSON.parse(String(tag(root, 'attr.ints')))).toEqual([1, 2]);
    expect(tag(root, 'span.kind')).toBe('consumer');
    expect(tag(crm, 'span.kind')).toBe('client');
    expect(tag(root, 'error')).toBeUndefined();
    expect(tag(crm, 'error')).toBe(true);
    expect(tag(crm, 'otel.status_description')).toBe('the CRM said no');

    const received = root.logs?.find((l) => l.fields.some((f) => f.key === 'event' && f.value === 'received'));
    expect(received?.fields.find((f) => f.key === 'message.size')?.value).toBe(128);
    const exception = crm.logs?.find((l) => l.fields.some((f) => f.key === 'event' && f.value === 'exception'));
    expect(exception?.fields.find((f) => f.key === 'exception.type')?.value).toBe('TypeError');
    expect(exception?.fields.find((f) => f.key === 'exception.message')?.value).toBe('the CRM said no');
    expect(String(exception?.fields.find((f) => f.key === 'exception.stacktrace')?.value)).toContain('TypeError: the CRM said no');

    const proc = t.processes![root.processID!]!;
    expect(proc.serviceName).toBe(service);
    expect(tag(proc, 'service.version')).toBe('9.9.9');
    expect(tag(proc, 'deployment.environment.name')).toBe('test');
    expect(tag(proc, 'agent.team')).toBe('platform');
    expect(tag(proc, 'telemetry.sdk.language')).toBe('nodejs');
    expect(tag(proc, 'process.pid')).toBe(process.pid);
  });
});
