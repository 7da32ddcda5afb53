import { readFileSync } from 'node:fs';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { jaegerTraceToSpans, jaegerTraceToTree, parseJaegerJson, type JaegerSpan, type JaegerTrace } from '../src/jaeger/index.js';
import { formatTraceTree } from '../src/trace-tree.js';

// The answer of GET /api/traces/<id> from Jaeger v2, as recorded from the services this repo runs.
const TRACE_ID = '15b073521b76d4743d3a466722579808';
const recorded: JaegerTrace = parseJaegerJson(readFileSync(new URL('./fixtures/jaeger-v2-trace.json', import.meta.url), 'utf8')).data![0]!;

/** A one-span trace with these fields on its span. */
function oneSpan(fields: Partial<JaegerSpan>): JaegerTrace {
  const span: JaegerSpan = { traceID: TRACE_ID, spanID: '00f067aa0ba902b7', operationName: 'op', startTime: 0, duration: 0, ...fields };
  return { traceID: span.traceID, spans: [span] };
}

const only = (trace: JaegerTrace) => jaegerTraceToSpans(trace)[0]!;

describe('jaegerTraceToSpans', () => {
  it('reads kind, status, scope, events, links and service back from the tags Jaeger stored them in', () => {
    const spans = jaegerTraceToSpans(recorded);
    const child = spans.find((s) => s.name === 'child')!;
    expect(child.kind).toBe(SpanKind.CLIENT);
    expect(child.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    // Tags that were span fields, and the `error` flag that only mirrors the status, are not attributes.
    expect(child.attributes).toEqual({});
    expect(child.parentSpanContext).toEqual({ traceId: TRACE_ID, spanId: '8e68513834f30eff', traceFlags: 1 });
    expect(child.events).toEqual([
      {
        name: 'exception',
        time: [1795887601, 891111000],
        attributes: { 'exception.message': 'boom', 'exception.stacktrace': 'TypeError: boom\n    at somewhere', 'exception.type': 'TypeError' },
      },
    ]);
    expect(child.startTime).toEqual([1795887601, 887000000]);
    expect(child.endTime).toEqual([1795887601, 891179000]);
    expect(child.duration).toEqual([0, 4179000]);
    expect(child.ended).toBe(true);
    // A plain object: this package has no SDK `Resource`.
    expect(child.resource).toEqual({ attributes: { 'service.name': 'probe-service', 'telemetry.sdk.language': 'nodejs' } });

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

  it('keeps int64 values past 2^53 exact, as their digits', () => {
    const span = only(
      oneSpan({
        tags: [
          // Jaeger v2 sends an int64 that JSON numbers cannot hold as a string.
          { key: 'big', type: 'int64', value: '1152921504606846977' },
          { key: 'just.past', type: 'int64', value: '9007199254740993' },
          { key: 'min', type: 'int64', value: '-9223372036854775808' },
          { key: 'max.safe', type: 'int64', value: '9007199254740991' },
          { key: 'small.as.text', type: 'int64', value: '-42' },
          { key: 'small', type: 'int64', value: 42 },
          { key: 'big.list', type: 'string', value: '[1,9007199254740993]' },
          { key: 'digits', type: 'string', value: '1152921504606846977' },
        ],
      }),
    );
    expect(span.attributes).toEqual({
      big: '1152921504606846977',
      'just.past': '9007199254740993',
      min: '-9223372036854775808',
      'max.safe': 9007199254740991,
      'small.as.text': -42,
      small: 42,
      // Parsing the array would round its second element: it stays text.
      'big.list': '[1,9007199254740993]',
      // A string attribute stays a string, whatever it holds.
      digits: '1152921504606846977',
    });
  });

  it('keeps an int64 Jaeger v1 wrote as a bare JSON number exact too, when the answer is parsed with parseJaegerJson', () => {
    const text =
      `{"data":[{"traceID":"${TRACE_ID}","spans":[{"traceID":"${TRACE_ID}","spanID":"00f067aa0ba902b7","operationName":"op","startTime":1,"duration":2,` +
      '"tags":[{"key":"big","type":"int64","value":1152921504606846977},{"key":"n","type":"int64","value":7},' +
      '{"key":"text","type":"string","value":"{\\"value\\":1152921504606846977}"}]}]}]}';
    expect(JSON.parse(text).data[0].spans[0].tags[0].value).toBe(1152921504606846976); // what JSON.parse alone gives
    const [trace] = parseJaegerJson(text).data!;
    expect(only(trace!).attributes).toEqual({ big: '1152921504606846977', n: 7, text: '{"value":1152921504606846977}' });
  });

  it('pads ids Jaeger gives without leading zeros: the span, its parent and its links', () => {
    const span = only(
      oneSpan({
        traceID: 'abc',
        spanID: 'de',
        operationName: 'short ids',
        references: [
          { refType: 'CHILD_OF', traceID: '0000000000000abc', spanID: 'f1' },
          // A 128-bit id whose high half is zero comes back 16 wide.
          { refType: 'FOLLOWS_FROM', traceID: '000000000000000a', spanID: 'b' },
          { refType: 'CHILD_OF', traceID: 'fff', spanID: '1' },
        ],
      }),
    );
    const traceId = `${'0'.repeat(29)}abc`;
    expect(span.spanContext()).toEqual({ traceId, spanId: `${'0'.repeat(14)}de`, traceFlags: 1 });
    expect(span.parentSpanContext).toEqual({ traceId, spanId: `${'0'.repeat(14)}f1`, traceFlags: 1 });
    expect(span.links.map((l) => l.context)).toEqual([
      { traceId: `${'0'.repeat(31)}a`, spanId: `${'0'.repeat(15)}b`, traceFlags: 1 },
      // A CHILD_OF into another trace is a link, not a parent.
      { traceId: `${'0'.repeat(29)}fff`, spanId: `${'0'.repeat(15)}1`, traceFlags: 1 },
    ]);
    expect(jaegerTraceToTree({ traceID: 'abc', spans: [] })).toEqual({ traceId, roots: [] });
  });

  it('reads the status from otel.status_code, or from an error tag alone', () => {
    const status = (tags: JaegerSpan['tags']) => {
      const span = only(oneSpan({ tags }));
      return { status: span.status, attributes: span.attributes };
    };
    expect(status([])).toEqual({ status: { code: SpanStatusCode.UNSET }, attributes: {} });
    expect(status([{ key: 'otel.status_code', value: 'OK' }])).toEqual({ status: { code: SpanStatusCode.OK }, attributes: {} });
    expect(status([{ key: 'otel.status_code', value: 'ERROR' }, { key: 'otel.status_description', value: 'quota' }])).toEqual({
      status: { code: SpanStatusCode.ERROR, message: 'quota' },
      attributes: {},
    });
    // Old exporters set only `error=true`: that is the status.
    expect(status([{ key: 'error', type: 'bool', value: true }])).toEqual({ status: { code: SpanStatusCode.ERROR }, attributes: {} });
    // With a status code present, an `error` tag is the span's own attribute.
    expect(status([{ key: 'otel.status_code', value: 'OK' }, { key: 'error', value: true }])).toEqual({
      status: { code: SpanStatusCode.OK },
      attributes: { error: true },
    });
  });

  it('reads events from logs, in their order, with their fields as attributes', () => {
    const span = only(
      oneSpan({
        startTime: 1_000_000,
        logs: [
          { timestamp: 1_000_500, fields: [{ key: 'event', value: 'state.read' }, { key: 'state.version', type: 'int64', value: '9007199254740993' }] },
          { timestamp: 1_000_250, fields: [{ key: 'event', value: 'retry' }, { key: 'attempt', type: 'int64', value: 2 }, { key: 'ids', value: '["a"]' }] },
          { timestamp: 1_000_900, fields: [{ key: 'message', value: 'a log without an event name' }] },
        ],
      }),
    );
    expect(span.events).toEqual([
      { name: 'state.read', time: [1, 500_000], attributes: { 'state.version': '9007199254740993' } },
      { name: 'retry', time: [1, 250_000], attributes: { attempt: 2, ids: ['a'] } },
      { name: 'log', time: [1, 900_000], attributes: { message: 'a log without an event name' } },
    ]);
  });
});

describe('jaegerTraceToTree', () => {
  it('builds the same tree model as in-memory traces', () => {
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
    expect(tree.roots[0]!.serviceName).toBe('probe-service');
    expect(tree.roots[0]!.children.map((c) => c.parentSpanId)).toEqual(['8e68513834f30eff', '8e68513834f30eff']);
  });

  it('links a child to a parent whose id Jaeger shortened', () => {
    const tree = jaegerTraceToTree({
      traceID: 'abc',
      spans: [
        { traceID: 'abc', spanID: 'a1', operationName: 'parent', startTime: 1, duration: 10 },
        { traceID: 'abc', spanID: 'b2', operationName: 'child', startTime: 2, duration: 1, references: [{ refType: 'CHILD_OF', traceID: 'abc', spanID: 'a1' }] },
      ],
    });
    expect(formatTraceTree(tree, { durations: false })).toBe('parent\n└─ child');
  });

  it('gives an empty tree for a trace without spans', () => {
    expect(jaegerTraceToTree({ traceID: TRACE_ID, spans: [] })).toEqual({ traceId: TRACE_ID, roots: [] });
  });
});
