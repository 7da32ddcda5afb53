import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { assertTraceShape, getTraceTree, setupTracing, TraceAssertionError } from '@agentrace/testing';
import '@agentrace/testing/vitest';
import { afterAll, describe, expect, it } from 'vitest';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());
const tracer = trace.getTracer('trace-shape-test');

async function span<T>(name: string, fn: (span: Span) => T | Promise<T> = () => undefined as T, kind = SpanKind.INTERNAL): Promise<T> {
  return tracer.startActiveSpan(name, { kind }, async (s) => {
    try {
      return await fn(s);
    } finally {
      s.end();
    }
  });
}

/** handle message > fetch (CLIENT), process > model, write (OK) */
async function handleMessage(): Promise<void> {
  await span('handle message', async (root) => {
    root.setAttributes({ 'agentrace.correlation_id': 'msg-1', 'messaging.system': 'rabbitmq' });
    await span('fetch', (s) => s.setAttribute('http.response.status_code', 200), SpanKind.CLIENT);
    await span('process', () => span('model'));
    await span('write', (s) => s.setStatus({ code: SpanStatusCode.OK }));
  });
}

function failure(fn: () => void): TraceAssertionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TraceAssertionError);
    return error as TraceAssertionError;
  }
  throw new Error('expected the assertion to fail');
}

describe('assertTraceShape', () => {
  it('accepts the compact forms: names, [name, children] pairs and objects', async () => {
    await handleMessage();
    const shape = ['handle message', ['fetch', ['process', ['model']], 'write']] as const;
    assertTraceShape(tracing, shape);
    assertTraceShape(tracing.spans(), shape);
    assertTraceShape(getTraceTree(tracing), {
      name: 'handle message',
      attributes: { 'agentrace.correlation_id': 'msg-1', 'messaging.system': /rabbit/ },
      children: [
        { name: 'fetch', kind: 'CLIENT', status: 'UNSET', attributes: { 'http.response.status_code': 200, 'url.full': undefined } },
        ['process', ['model']],
        { name: /^wr/, status: { code: 'OK' } },
      ],
    });
    expect(tracing).toHaveTraceShape(shape);
  });

  it('matches siblings in any order unless `ordered` is set', async () => {
    await handleMessage();
    const reordered = ['handle message', ['write', 'fetch', ['process', ['model']]]] as const;
    assertTraceShape(tracing, reordered);
    const error = failure(() => assertTraceShape(tracing, reordered, { ordered: true }));
    expect(error.message).toContain('handle message: expected a span named "write", got "fetch"');
  });

  it('prints where the trees differ, then the expected and the actual tree', async () => {
    await handleMessage();
    const error = failure(() => assertTraceShape(tracing, ['handle message', ['fetch', ['process', ['model', 'tool']], 'write']]));
    const traceId = tracing.spans()[0]!.spanContext().traceId;
    expect(error.message).toBe(
      [
        `Trace ${traceId} does not have the expected shape: handle message > process: expected 2 children ("model", "tool"), got 1 ("model")`,
        '',
        'Expected:',
        '  handle message',
        '  ├─ fetch',
        '  ├─ process',
        '  │  ├─ model',
        '  │  └─ tool',
        '  └─ write',
        '',
        'Actual:',
        '  handle message',
        '  ├─ fetch',
        '  ├─ process',
        '  │  └─ model',
        '  └─ write',
      ].join('\n'),
    );
    // Test runners diff these two.
    expect(error.showDiff).toBe(true);
    expect(error.expected).toContain('│  └─ tool');
    expect(error.actual).not.toContain('tool');
  });

  it('shows only the fields the shape checks, actual siblings in the expected order', async () => {
    await handleMessage();
    const error = failure(() =>
      assertTraceShape(tracing, {
        name: 'handle message',
        children: [
          { name: 'write', status: 'ERROR' },
          { name: 'fetch', kind: 'CLIENT', attributes: { 'http.response.status_code': 500 } },
          ['process', ['model']],
        ],
      }),
    );
    expect(error.message).toContain('handle message > write: expected status ERROR, got OK');
    expect(error.expected).toBe(
      ['handle message', '├─ write  ERROR', '├─ fetch  CLIENT  http.response.status_code=500', '└─ process', '   └─ model'].join('\n'),
    );
    expect(error.actual).toBe(
      ['handle message', '├─ write  OK', '├─ fetch  CLIENT  http.response.status_code=200', '└─ process', '   └─ model'].join('\n'),
    );
  });

  it('names the first attribute, kind, status message or event that differs', async () => {
    await span('root', async (s) => {
      s.setAttribute('n', 1);
      s.addEvent('retry');
      s.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 503' });
    }, SpanKind.SERVER);
    const reason = (shape: Parameters<typeof assertTraceShape>[1]) => failure(() => assertTraceShape(tracing, shape)).message.split('\n')[0];
    expect(reason({ name: 'root', attributes: { n: 2 } })).toMatch(/root: expected attribute n=2, got 1$/);
    expect(reason({ name: 'root', attributes: { missing: 'x' } })).toMatch(/root: expected attribute missing="x", got \(absent\)$/);
    expect(reason({ name: 'root', attributes: { n: undefined } })).toMatch(/root: expected attribute n=\(absent\), got 1$/);
    expect(reason({ name: 'root', kind: 'CLIENT' })).toMatch(/root: expected kind CLIENT, got SERVER$/);
    expect(reason({ name: 'root', status: { code: 'ERROR', message: /timeout/ } })).toMatch(
      /root: expected status message \/timeout\/, got "upstream 503"$/,
    );
    expect(reason({ name: 'root', events: ['retry', 'retry'] })).toMatch(/root: expected events \["retry","retry"\], got \["retry"\]$/);
    expect(reason('other')).toMatch(/trace: expected a span named "other", got "root"$/);
    assertTraceShape(tracing, { name: 'root', kind: 'SERVER', events: ['retry'], attributes: { n: expect.any(Number) } });
  });

  it('reports extra roots (a broken trace) and asks for one trace when given several', async () => {
    await span('first');
    await span('outside');
    const error = failure(() => assertTraceShape(tracing, 'outside'));
    expect(error.message).toMatch(/^Expected one trace, got 2\./);
    tracing.reset();
    await span('a', async () => {
      const orphanParent = tracer.startSpan('left open');
      await context.with(trace.setSpan(context.active(), orphanParent), () => span('b'));
    });
    const orphaned = failure(() => assertTraceShape(tracing, ['a', ['b']]));
    expect(orphaned.message).toContain('trace: expected 1 root span ("a"), got 2 ("a", "b")');
    // A list of roots describes such a trace.
    assertTraceShape(tracing, ['a', 'b']);
  });

  it('rejects a malformed shape with a message that shows the accepted forms', async () => {
    await span('x');
    expect(() => assertTraceShape(tracing, ['x', [42 as unknown as string]])).toThrow(/Invalid trace shape at root\[1\]: \[42\]\. Use 'name'/);
  });
});

describe('toHaveTraceShape', () => {
  it('fails with the same message and a diff of the two trees, and supports .not', async () => {
    await handleMessage();
    expect(tracing).not.toHaveTraceShape('handle message');
    let caught: unknown;
    try {
      expect(tracing).toHaveTraceShape(['handle message', ['fetch', 'write']]);
    } catch (error) {
      caught = error;
    }
    const error = caught as { message: string; expected: string; actual: string };
    expect(error.message).toContain('handle message: expected 2 children ("fetch", "write"), got 3 ("fetch", "process", "write")');
    expect(error.expected).toBe('handle message\n├─ fetch\n└─ write');
    expect(error.actual).toBe('handle message\n├─ fetch\n├─ write\n└─ process\n   └─ model');
    expect(() => expect(tracing).not.toHaveTraceShape(['handle message', ['fetch', ['process', ['model']], 'write']])).toThrow(
      'Expected the trace not to have this shape, but it has.',
    );
  });
});
