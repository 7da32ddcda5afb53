// The official `@anthropic-ai/sdk` (1.x, over fetch) against a local server speaking the Messages wire
// format. With the SDK's own tracing off, agentrace's span is the inference span; with it on (its
// default when a global provider exists), the SDK's `anthropic.messages.create` span is the inference
// span and agentrace's is the plain HTTP attempt under it: one inference span per call either way.
import Anthropic from '@anthropic-ai/sdk';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { CONTENT_ATTRIBUTES, setupModelCalls } from './utils/model-calls.js';
import { ANSWER_PIECES } from './utils/model-server.js';
import { parseTraceparent } from './utils/server.js';

const { tracing, server, bothWays, clientSpans } = await setupModelCalls();
const options = { apiKey: 'sk-ant-test-not-a-secret', baseURL: server.origin, maxRetries: 0 };
const client = new Anthropic({ ...options, openTelemetry: false });
const request = {
  max_tokens: 256,
  system: 'You answer about the weather.',
  messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
  temperature: 0.3,
  top_k: 40,
  stop_sequences: ['END'],
};
const tools = [{ name: 'get_weather', description: 'Current weather of a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];

async function collect<T>(stream: AsyncIterable<T>, stopAfter = Infinity): Promise<T[]> {
  const events: T[] = [];
  for await (const event of stream) {
    events.push(event);
    if (events.length >= stopAfter) break;
  }
  return events;
}

describe('with the SDK tracing off: agentrace makes the inference span', () => {
  it('a plain answer', async () => {
    const { untraced, traced } = await bothWays(() => client.messages.create({ model: 'claude-test', ...request }));
    expect(traced).toBe(untraced);
    const [span, ...more] = await clientSpans();
    expect(more).toEqual([]);
    expect(span!.name).toBe('chat claude-test');
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-test',
      'gen_ai.request.max_tokens': 256,
      'gen_ai.request.temperature': 0.3,
      'gen_ai.request.top_k': 40,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.response.id': 'msg_test_1',
      'gen_ai.response.model': 'claude-test-20250101',
      'gen_ai.response.finish_reasons': ['end_turn'],
      // The conventions count cached tokens in the input: 25 + 5 read + 3 written.
      'gen_ai.usage.input_tokens': 33,
      'gen_ai.usage.output_tokens': 15,
      'gen_ai.usage.cache_read.input_tokens': 5,
      'gen_ai.usage.cache_creation.input_tokens': 3,
    });
    for (const key of CONTENT_ATTRIBUTES) expect(span!.attributes[key]).toBeUndefined();
  });

  it('a streamed answer: usage from message_start and message_delta, time to first chunk', async () => {
    const { untraced, traced } = await bothWays(async () => collect(await client.messages.create({ model: 'claude-test', ...request, stream: true })));
    expect(traced).toBe(untraced);
    expect(traced).toContain(ANSWER_PIECES[0]);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'msg_test_1',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 33,
      'gen_ai.usage.output_tokens': 15,
    });
    expect(span!.attributes['gen_ai.response.time_to_first_chunk']).toBeTypeOf('number');
  });

  it('a tool call, whole and streamed', async () => {
    for (const stream of [false, true]) {
      tracing.reset();
      const { untraced, traced } = await bothWays(async () => {
        const result = await client.messages.create({ model: 'claude-test-tool', ...request, tools, stream });
        return stream ? collect(result as AsyncIterable<unknown>) : result;
      });
      expect(traced).toBe(untraced);
      const [span] = await clientSpans();
      expect(span!.attributes).toMatchObject({
        'gen_ai.response.finish_reasons': ['tool_use'],
        'agentrace.gen_ai.tool_call.names': ['get_weather'],
        'agentrace.gen_ai.tool_call.ids': ['toolu_weather_1'],
      });
    }
  });

  it('a 429 and a 500: ERROR with the API error type', async () => {
    for (const [model, type, status] of [
      ['claude-test-429', 'rate_limit_error', 429],
      ['claude-test-500', 'api_error', 500],
    ] as const) {
      tracing.reset();
      const { untraced, traced } = await bothWays(() => client.messages.create({ model, ...request }));
      expect(traced).toBe(untraced);
      const [span] = await clientSpans();
      expect(span!.status.code).toBe(SpanStatusCode.ERROR);
      expect(span!.attributes).toMatchObject({ 'error.type': type, 'http.response.status_code': status });
      if (status === 429) expect(span!.attributes['http.response.header.retry-after']).toEqual(['7']);
    }
  });

  it('a stream the caller abandons halfway', async () => {
    const { untraced, traced } = await bothWays(async () => collect(await client.messages.create({ model: 'claude-test-long', ...request, stream: true }), 25));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({ 'agentrace.http.aborted': true, 'gen_ai.response.id': 'msg_test_1', 'gen_ai.usage.input_tokens': 33 });
    expect(span!.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    expect(span!.attributes['agentrace.gen_ai.stream.events']).toBeGreaterThanOrEqual(25);
  });
});

describe('with the SDK tracing on: its span is the inference span, ours the HTTP attempt under it', () => {
  const traced = new Anthropic(options);

  it('one inference span, the HTTP span its child, propagating itself', async () => {
    await traced.messages.create({ model: 'claude-test', ...request });
    await clientSpans(2);
    const spans = tracing.spans();
    const sdk = spans.find((s) => s.name === 'anthropic.messages.create')!;
    const http = spans.find((s) => s.instrumentationScope.name === '@agentrace/instrumentation-http' && s.kind === SpanKind.CLIENT)!;
    expect(sdk.instrumentationScope.name).toBe('com.anthropic.sdk.typescript');
    expect(sdk.attributes['gen_ai.operation.name']).toBe('chat');
    expect(http.kind).toBe(SpanKind.CLIENT);
    expect(http.name).toBe('POST');
    expect(http.parentSpanContext?.spanId).toBe(sdk.spanContext().spanId);
    expect(Object.keys(http.attributes).filter((k) => k.startsWith('gen_ai.'))).toEqual([]);
    expect(spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat')).toHaveLength(1);
    // The server continues from the attempt, not from the call span the SDK injected.
    const seen = parseTraceparent(server.bodies.at(-1)!.traceparent);
    expect(seen?.spanId).toBe(http.spanContext().spanId);
  });
});
