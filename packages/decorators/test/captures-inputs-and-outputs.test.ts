// The wrapper's side of capture (the capture rules themselves are tested in capture*.test.ts).
import { useTracing } from '@agentrace/testing/vitest';
import { step, tool } from '@agentrace/decorators';
import { describe, expect, it } from 'vitest';
import { spanNamed } from './utils/spans.js';

const tracing = useTracing();

describe('capture from decorators', () => {
  it('is off by default', async () => {
    class Off {
      @step() async s(query: string): Promise<string> {
        return query;
      }
    }
    await new Off().s('q');
    const span = spanNamed(tracing.spans(), 's');
    expect(span.attributes['agentrace.input']).toBeUndefined();
    expect(span.attributes['agentrace.output']).toBeUndefined();
  });

  it('per parameter on a tool: captures `query`, never `apiKey`; result after the promise settles', async () => {
    class Search {
      @tool({ name: 'web_search', capture: ['query'] })
      async search(query: string, apiKey: string): Promise<{ hits: number }> {
        return { hits: query.length + apiKey.length };
      }
    }
    await new Search().search('otel', 'sk-secret');
    const span = spanNamed(tracing.spans(), 'execute_tool web_search');
    const args = String(span.attributes['gen_ai.tool.call.arguments']);
    expect(args).toContain('otel');
    expect(args).not.toContain('sk-secret');
    expect(span.attributes['gen_ai.tool.call.result']).toBe('{"hits":13}');
  });

  it('a stream result is not buffered for capture', async () => {
    class S {
      @step({ capture: true }) async *chunks(): AsyncGenerator<string> {
        yield 'a';
      }
    }
    for await (const _ of new S().chunks()) void _;
    const span = spanNamed(tracing.spans(), 'chunks');
    expect(span.attributes['agentrace.output']).toBeUndefined();
    expect(span.attributes['agentrace.stream.chunks']).toBe(1);
  });
});
