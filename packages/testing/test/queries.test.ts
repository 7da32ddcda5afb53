import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  findNode,
  findNodes,
  findSpan,
  findSpans,
  getRunTree,
  getTraceTree,
  getTraceTrees,
  groupSpansByTrace,
  printTraces,
  spansOfRun,
  traceTreeNodes,
} from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { beforeEach, describe, expect, it } from 'vitest';

const tracing = useTracing();
const tracer = trace.getTracer('queries-test');

/** Two runs, each one trace: run-1 (fetch CLIENT, write ERROR) and run-2 (fetch CLIENT, an untagged child). */
beforeEach(() => {
  for (const run of ['run-1', 'run-2']) {
    tracer.startActiveSpan(`handle ${run}`, { kind: SpanKind.CONSUMER, attributes: { 'agentrace.correlation_id': run } }, (root) => {
      tracer.startSpan('fetch', { kind: SpanKind.CLIENT, attributes: { 'agentrace.correlation_id': run, 'http.request.method': 'GET' } }).end();
      const last = tracer.startSpan(run === 'run-1' ? 'write' : 'untagged');
      if (run === 'run-1') last.setStatus({ code: SpanStatusCode.ERROR });
      last.end();
      root.end();
    });
  }
});

describe('span queries', () => {
  it('find spans by name, pattern, kind, status, trace and attributes', () => {
    const names = (spans: { name: string }[]) => spans.map((s) => s.name).sort();
    expect(names(findSpans(tracing, 'fetch'))).toEqual(['fetch', 'fetch']);
    expect(names(findSpans(tracing, { name: /^handle/ }))).toEqual(['handle run-1', 'handle run-2']);
    expect(names(findSpans(tracing, { kind: 'CLIENT' }))).toEqual(['fetch', 'fetch']);
    expect(names(findSpans(tracing, { kind: SpanKind.CONSUMER }))).toEqual(['handle run-1', 'handle run-2']);
    expect(names(findSpans(tracing, { status: 'ERROR' }))).toEqual(['write']);
    expect(findSpans(tracing, { attributes: { 'agentrace.correlation_id': 'run-2', 'http.request.method': 'GET' } })).toHaveLength(1);
    expect(findSpans(tracing, { attributes: { 'agentrace.correlation_id': /run-/ } })).toHaveLength(4);
    expect(names(findSpans(tracing, { name: 'fetch', attributes: { 'http.request.method': undefined } }))).toEqual([]);
    const traceId = findSpan(tracing, 'write').spanContext().traceId;
    expect(names(findSpans(tracing.spans(), { traceId }))).toEqual(['fetch', 'handle run-1', 'write']);
    expect(findSpans(tracing)).toHaveLength(6);
  });

  it('findSpan wants exactly one, and says what is there when not', () => {
    expect(findSpan(tracing, 'write').name).toBe('write');
    expect(() => findSpan(tracing, 'fetch')).toThrow(
      'Expected exactly one span named "fetch", found 2. Span names present: "fetch", "write", "handle run-1", "untagged", "handle run-2".',
    );
    expect(() => findSpan(tracing, { name: /nothing/, kind: 'SERVER' })).toThrow(/^Expected exactly one span with name \/nothing\/, kind "SERVER", found 0\./);
  });

  it('query tree nodes the same way', () => {
    const trees = getTraceTrees(tracing);
    expect(findNodes(trees, { kind: 'CLIENT' })).toHaveLength(2);
    expect(findNode(trees, 'write').status.code).toBe('ERROR');
    expect(traceTreeNodes(trees[0]!).map((n) => n.name)).toEqual(['handle run-1', 'fetch', 'write']);
  });
});

describe('trace queries', () => {
  it('group spans by trace id', () => {
    const groups = groupSpansByTrace(tracing);
    expect([...groups.values()].map((spans) => spans.map((s) => s.name))).toEqual([
      ['fetch', 'write', 'handle run-1'],
      ['fetch', 'untagged', 'handle run-2'],
    ]);
  });

  it('give one trace as a tree: the only one, by id, or by a span in it', () => {
    const write = findSpan(tracing, 'write');
    expect(getTraceTree(tracing, write.spanContext().traceId).roots[0]!.name).toBe('handle run-1');
    expect(getTraceTree(tracing, { name: 'untagged' }).roots[0]!.name).toBe('handle run-2');
    expect(() => getTraceTree(tracing)).toThrow(/^Expected exactly one trace, found 2 of 2 traces\.\n\ntrace [0-9a-f]{32}\nhandle run-1  CONSUMER/);
    expect(() => getTraceTree(tracing, 'f'.repeat(32))).toThrow(`Expected trace ${'f'.repeat(32)}, found 0 of 2 traces.`);
  });

  it('give the spans and the tree of one run by correlation id, including spans without the attribute', () => {
    expect(spansOfRun(tracing, 'run-2').map((s) => s.name)).toEqual(['fetch', 'untagged', 'handle run-2']);
    expect(spansOfRun(tracing, 'nope')).toEqual([]);
    const tree = getRunTree(tracing, 'run-2');
    expect(traceTreeNodes(tree).map((n) => n.name)).toEqual(['handle run-2', 'fetch', 'untagged']);
    expect(() => getRunTree(tracing, 'nope')).toThrow(/^Expected one trace for run agentrace.correlation_id=nope, found 0 of 2 traces\./);
  });

  it('print several traces as the console exporter does', () => {
    const text = printTraces(getTraceTrees(tracing), { durations: false });
    expect(text).toMatch(/^trace [0-9a-f]{32}\nhandle run-1  CONSUMER  agentrace.correlation_id=run-1\n├─ fetch  CLIENT  http.request.method=GET\n└─ write  ERROR\n\ntrace /);
    expect(printTraces([])).toBe('(no traces)');
  });
});
