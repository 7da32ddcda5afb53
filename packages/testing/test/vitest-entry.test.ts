import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trace } from '@opentelemetry/api';
import { setupTracing } from '@agentrace/testing';
import { traceMatchers, useTracing } from '@agentrace/testing/vitest';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const tracing = useTracing({ deterministicIds: true });

describe('auto reset', () => {
  it('first test makes spans', () => {
    trace.getTracer('t').startSpan('from the first test').end();
    expect(tracing.spans()).toHaveLength(1);
  });

  it('second test starts empty, and ids restart', () => {
    expect(tracing.spans()).toEqual([]);
    trace.getTracer('t').startSpan('again').end();
    expect(tracing.spans()[0]!.spanContext().traceId).toBe('00000000000000000000000000000001');
  });
});

describe('snapshots', () => {
  it('print trace trees with the tree printer and no durations', () => {
    const tracer = trace.getTracer('t');
    tracer.startActiveSpan('run', (root) => {
      tracer.startSpan('step', { attributes: { 'gen_ai.request.model': 'small' } }).end();
      root.end();
    });
    expect(tracing.traces()[0]).toMatchInlineSnapshot(`
      run
      └─ step  gen_ai.request.model=small
    `);
  });
});

describe('one setup per file', () => {
  it('a second setup while the first is registered fails with what to do, leaving the first working', () => {
    expect(() => setupTracing()).toThrow(
      'setupTracing(): another tracer provider is already registered globally (by init() or a setupTracing() not shut down). Call its shutdown() first; use one setup per test file.',
    );
    trace.getTracer('t').startSpan('still recorded').end();
    expect(tracing.spans().map((s) => s.name)).toEqual(['still recorded']);
  });
});

describe('matchers', () => {
  it('are registered on expect, and exported for expect.extend by hand', () => {
    expect(Object.keys(traceMatchers).sort()).toEqual([
      'toHaveEndedAllSpans',
      'toHaveExceptionEvent',
      'toHaveNoCrossRunSpans',
      'toHaveNoOrphanSpans',
      'toHaveTraceShape',
    ]);
    expect(typeof (expect('x') as unknown as Record<string, unknown>).toHaveTraceShape).toBe('function');
  });

  it('rethrow what is not a trace assertion failure (a bad argument) as is', () => {
    trace.getTracer('t').startSpan('a').end();
    expect(() => expect(tracing).toHaveTraceShape(['a', [42 as unknown as string]])).toThrow(TypeError);
  });
});

describe('the main entry', () => {
  it('never imports vitest (it is an optional peer): no module reachable from src/index.ts does', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        expect(specifier, `${file} imports ${specifier}`).not.toMatch(/^vitest|^@vitest\//);
        if (specifier!.startsWith('.')) visit(join(dirname(file), specifier!.replace(/\.js$/, '.ts')));
      }
    };
    visit(join(src, 'index.ts'));
    expect(seen.size).toBeGreaterThan(5);
    expect([...seen].some((f) => f.endsWith('vitest.ts'))).toBe(false);
  });
});
