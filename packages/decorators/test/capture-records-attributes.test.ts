import { remoteParentContext } from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { context, trace, TraceFlags, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { configureCapture, createCapture, resetCaptureConfig, type CaptureKind, type CaptureSpec } from '../src/capture.js';
import { traced } from '../src/traced.js';
import { captureDiag } from './utils/spans.js';

const tracing = useTracing({ serviceName: 'capture-records-attributes' });
afterEach(() => resetCaptureConfig());

/** Runs one capture on a real span (args, then result) and returns the ended span. */
function record(fn: Function, args: unknown[], result: unknown, options: { kind?: CaptureKind; capture?: CaptureSpec } = {}): ReadableSpan {
  const capture = createCapture(fn, options);
  const span = tracing.provider.getTracer('test').startSpan('call');
  capture.recordArguments(span, args);
  capture.recordResult(span, result);
  span.end();
  const spans = tracing.spans();
  return spans[spans.length - 1]!;
}

async function search(query: string, limit: number, apiKey: string) {
  return { query, limit, apiKey };
}

describe('what is captured', () => {
  it('captures nothing by default', () => {
    const span = record(search, ['otel', 3, 'k'], { hits: 1 });
    expect(span.attributes).toEqual({});
  });

  it('captures arguments by parameter name and the result once enabled globally, masking secret-looking parameters', () => {
    configureCapture({ enabled: true });
    const span = record(search, ['otel', 3, 'key-123'], { hits: 1 });
    expect(span.attributes['agentrace.input']).toBe('{"query":"otel","limit":3,"apiKey":"REDACTED"}');
    expect(span.attributes['agentrace.output']).toBe('{"hits":1}');
  });

  it('uses the GenAI tool attribute names for tools', () => {
    const span = record(search, ['otel', 3, 'k'], [1, 2], { kind: 'tool', capture: true });
    expect(span.attributes['gen_ai.tool.call.arguments']).toBe('{"query":"otel","limit":3,"apiKey":"REDACTED"}');
    expect(span.attributes['gen_ai.tool.call.result']).toBe('[1,2]');
    expect(span.attributes['agentrace.input']).toBeUndefined();
  });

  it('applies a global switch set after the capture was built (decoration before configuration)', () => {
    const capture = createCapture(search, {});
    const tracer = tracing.provider.getTracer('test');
    const before = tracer.startSpan('before');
    capture.recordArguments(before, ['a', 1, 'k']);
    before.end();
    const restore = configureCapture({ enabled: true });
    const after = tracer.startSpan('after');
    capture.recordArguments(after, ['b', 2, 'k']);
    after.end();
    restore();
    const [b, a] = tracing.spans();
    expect(b!.attributes['agentrace.input']).toBeUndefined();
    expect(a!.attributes['agentrace.input']).toBe('{"query":"b","limit":2,"apiKey":"REDACTED"}');
  });

  it('per decorator: an allow list captures only the named parameters, never the others', () => {
    const span = record(search, ['otel', 3, 'sk-not-shown'], undefined, { capture: ['query'] });
    expect(span.attributes['agentrace.input']).toBe('{"query":"otel"}');
    expect(span.attributes['agentrace.output']).toBeUndefined();
  });

  it('per decorator: exclude wins over inputs, and adds to the global exclude list', () => {
    configureCapture({ enabled: true, exclude: ['limit'] });
    const span = record(search, ['otel', 3, 'k'], 1, { capture: { inputs: ['query', 'apiKey', 'limit'], exclude: ['apiKey'] } });
    expect(span.attributes['agentrace.input']).toBe('{"query":"otel"}');
  });

  it('per decorator: false turns capture off even when it is on globally; output can be off alone', () => {
    configureCapture({ enabled: true });
    expect(record(search, ['q', 1, 'k'], 1, { capture: false }).attributes).toEqual({});
    const span = record(search, ['q', 1, 'k'], 1, { capture: { output: false } });
    expect(span.attributes['agentrace.input']).toBeDefined();
    expect(span.attributes['agentrace.output']).toBeUndefined();
  });

  it('names rest parameters, destructured parameters and extra arguments', () => {
    function f(this: unknown, { id }: { id: number }, ...items: number[]) {
      return [id, items];
    }
    function g(a: number) {
      return a;
    }
    expect(record(f, [{ id: 1 }, 2, 3], undefined, { capture: true }).attributes['agentrace.input']).toBe('{"arg0":{"id":1},"items":[2,3]}');
    expect(record(g, [1, 'extra'], undefined, { capture: true }).attributes['agentrace.input']).toBe('{"a":1,"arg1":"extra"}');
    expect(record(g, [], undefined, { capture: true }).attributes['agentrace.input']).toBe('{}');
  });

  it('warns once about a name that is not a parameter', () => {
    const d = captureDiag();
    try {
      const capture = createCapture(search, { capture: ['qeury'] });
      const span = tracing.provider.getTracer('test').startSpan('x');
      capture.recordArguments(span, ['a', 1, 'k']);
      capture.recordArguments(span, ['a', 1, 'k']);
      span.end();
      const warnings = d.messages.filter((m) => m.text.includes('qeury'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.text).toContain('parameters: query, limit, apiKey');
    } finally {
      d.restore();
    }
  });

  it('applies serialization limits and redaction options, globally and per decorator', () => {
    configureCapture({ enabled: true, serialize: { maxStringLength: 6 }, redact: { keys: ['limit'] } });
    expect(record(search, ['abcdefghij', 3, 'k'], undefined).attributes['agentrace.input']).toBe(
      '{"query":"abcdef…[+4 chars]","limit":"REDACTED","apiKey":"REDACTED"}',
    );
    const span = record(search, ['x'.repeat(10_000), 3, 'k'], undefined, { capture: { serialize: { maxBytes: 100, maxStringLength: 100_000 }, redact: false } });
    const input = String(span.attributes['agentrace.input']);
    expect(Buffer.byteLength(input)).toBeLessThanOrEqual(100);
    expect(input).toContain('[truncated]');
  });

  it('serializes hostile arguments without throwing', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const bad = {
      toJSON() {
        throw new Error('no');
      },
    };
    function h(a: unknown, b: unknown, c: unknown) {
      return [a, b, c];
    }
    const span = record(h, [circular, bad, 10n], new Map([['k', 1]]), { capture: true });
    expect(JSON.parse(String(span.attributes['agentrace.input']))).toEqual({ a: { self: '[Circular]' }, b: '[toJSON threw: Error: no]', c: '10n' });
    expect(span.attributes['agentrace.output']).toBe('{"Map(1)":[["k",1]]}');
  });

  it('never throws when the span itself throws, and reports once', () => {
    const d = captureDiag();
    try {
      const hostileSpan = {
        isRecording: () => true,
        setAttribute() {
          throw new Error('span broke');
        },
      } as unknown as Span;
      const capture = createCapture(search, { capture: true });
      expect(() => capture.recordArguments(hostileSpan, ['a', 1, 'k'])).not.toThrow();
      expect(() => capture.recordResult(hostileSpan, 1)).not.toThrow();
      expect(d.messages.filter((m) => m.text.includes('span broke'))).toHaveLength(1);
    } finally {
      d.restore();
    }
  });
});

describe('capture is lazy: a span that is not recording serializes nothing', () => {
  /** An argument that counts every time anything reads it for serialization. */
  function spy() {
    const reads = { getter: 0, toJSON: 0 };
    const arg = {
      get field() {
        reads.getter++;
        return 'value';
      },
      nested: {
        toJSON() {
          reads.toJSON++;
          return 'json';
        },
      },
    };
    return { arg, reads };
  }

  function f(payload: unknown) {
    return payload;
  }

  it('with a non-recording span handed to it', () => {
    configureCapture({ enabled: true });
    const { arg, reads } = spy();
    const capture = createCapture(f, {});
    const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE });
    capture.recordArguments(span, [arg]);
    capture.recordResult(span, arg);
    expect(reads).toEqual({ getter: 0, toJSON: 0 });
  });

  it('through a traced function under an unsampled parent, while a sampled call does serialize', async () => {
    configureCapture({ enabled: true });
    const { arg, reads } = spy();
    const fn = traced('lazy-step', async (payload: unknown) => payload, { type: 'tool' });
    const unsampled = remoteParentContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', sampled: false });
    const result = await context.with(unsampled, () => fn(arg));
    expect(result).toBe(arg);
    expect(reads).toEqual({ getter: 0, toJSON: 0 });
    expect(tracing.spans()).toHaveLength(0);

    await fn(arg);
    expect(reads.getter).toBe(2); // arguments and result
    expect(reads.toJSON).toBe(2);
    expect(tracing.spans()[0]!.attributes['gen_ai.tool.call.arguments']).toBe('{"payload":{"field":"value","nested":"json"}}');
  });

  it('reads a bounded part of a huge argument (cost follows the captured bytes)', () => {
    configureCapture({ enabled: true, serialize: { maxBytes: 1024, maxKeys: 1_000_000 } });
    let reads = 0;
    const rows = new Proxy(
      Array.from({ length: 1_000_000 }, (_, i) => ({ id: i })),
      {
        get(target, key, receiver) {
          reads++;
          return Reflect.get(target, key, receiver);
        },
      },
    );
    const span = record(f, [rows], undefined);
    expect(Buffer.byteLength(String(span.attributes['agentrace.input']))).toBeLessThanOrEqual(1024);
    expect(reads).toBeLessThan(200);
  });
});
