// The official `openai` SDK (6.x, over fetch) against a local server speaking the OpenAI wire format:
// each call makes one inference span with the conventions' attributes, and the SDK's result is the
// same, byte for byte, with the instrumentation and without it.
import { SpanStatusCode } from '@opentelemetry/api';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { CONTENT_ATTRIBUTES, setupModelCalls } from './utils/model-calls.js';
import { ANSWER, ANSWER_PIECES } from './utils/model-server.js';

const { server, bothWays, clientSpans } = await setupModelCalls();
const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: `${server.origin}/v1`, maxRetries: 0 });
const messages = [
  { role: 'system' as const, content: 'You answer about the weather.' },
  { role: 'user' as const, content: 'Weather in Paris?' },
];
const tools = [
  {
    type: 'function' as const,
    function: { name: 'get_weather', description: 'Current weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
];

async function collect<T>(stream: AsyncIterable<T>, stopAfter = Infinity): Promise<T[]> {
  const chunks: T[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    if (chunks.length >= stopAfter) break;
  }
  return chunks;
}

function noContent(attributes: Record<string, unknown>): void {
  for (const key of CONTENT_ATTRIBUTES) expect(attributes[key]).toBeUndefined();
  expect(JSON.stringify(attributes)).not.toContain('Paris');
}

describe('chat completions', () => {
  it('a plain answer: one inference span with request, response and usage', async () => {
    const { untraced, traced } = await bothWays(() => client.chat.completions.create({ model: 'gpt-test', messages, temperature: 0.2, top_p: 0.9, max_tokens: 100, seed: 7, stop: ['END'] }));
    expect(traced).toBe(untraced);
    expect(traced).toContain(ANSWER);
    const [span, ...more] = await clientSpans();
    expect(more).toEqual([]);
    expect(span!.name).toBe('chat gpt-test');
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.max_tokens': 100,
      'gen_ai.request.seed': 7,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.response.id': 'chatcmpl-test-1',
      'gen_ai.response.model': 'gpt-test-2025-01-01',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 31,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.usage.cache_read.input_tokens': 4,
      'gen_ai.usage.reasoning.output_tokens': 2,
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
    });
    expect(span!.attributes['gen_ai.request.stream']).toBeUndefined();
    noContent(span!.attributes);
  });

  it('a streamed answer with usage in the last chunk: time to first chunk, usage and finish reason', async () => {
    const { untraced, traced } = await bothWays(async () =>
      collect(await client.chat.completions.create({ model: 'gpt-test', messages, stream: true, stream_options: { include_usage: true } })),
    );
    expect(traced).toBe(untraced);
    expect(traced).toContain(ANSWER_PIECES[1]);
    const [span] = await clientSpans();
    expect(span!.name).toBe('chat gpt-test');
    expect(span!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'chatcmpl-test-1',
      'gen_ai.response.model': 'gpt-test-2025-01-01',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 31,
      'gen_ai.usage.output_tokens': 12,
      'agentrace.gen_ai.stream.events': ANSWER_PIECES.length + 3,
    });
    expect(span!.attributes['gen_ai.response.time_to_first_chunk']).toBeTypeOf('number');
    expect(span!.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0);
    expect(span!.attributes['agentrace.http.aborted']).toBeUndefined();
    noContent(span!.attributes);
  });

  it('a tool call, whole: the tool names and call ids on the span', async () => {
    const { untraced, traced } = await bothWays(() => client.chat.completions.create({ model: 'gpt-test-tool', messages, tools }));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'agentrace.gen_ai.tool_call.names': ['get_weather'],
      'agentrace.gen_ai.tool_call.ids': ['call_weather_1'],
    });
    noContent(span!.attributes);
  });

  it('a tool call, streamed: the same, from the deltas', async () => {
    const { untraced, traced } = await bothWays(async () => collect(await client.chat.completions.create({ model: 'gpt-test-tool', messages, tools, stream: true })));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'agentrace.gen_ai.tool_call.names': ['get_weather'],
      'agentrace.gen_ai.tool_call.ids': ['call_weather_1'],
    });
  });

  it('a 429: ERROR with the API error code and the retry-after header', async () => {
    const { untraced, traced } = await bothWays(() => client.chat.completions.create({ model: 'gpt-test-429', messages }));
    expect(traced).toBe(untraced);
    expect(traced).toContain('RateLimitError');
    const [span] = await clientSpans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes).toMatchObject({
      'error.type': 'rate_limit_exceeded',
      'http.response.status_code': 429,
      'http.response.header.retry-after': ['7'],
      'http.response.header.retry-after-ms': ['7000'],
    });
  });

  it('a 500: ERROR, error.type from the body or else the status', async () => {
    const { untraced, traced } = await bothWays(() => client.chat.completions.create({ model: 'gpt-test-500', messages }));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes).toMatchObject({ 'error.type': 'server_error', 'http.response.status_code': 500 });
  });

  it('a stream the caller abandons halfway: the span ends with what was seen', async () => {
    const { untraced, traced } = await bothWays(async () => collect(await client.chat.completions.create({ model: 'gpt-test-long', messages, stream: true, stream_options: { include_usage: true } }), 20));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({ 'agentrace.http.aborted': true, 'gen_ai.response.id': 'chatcmpl-test-1', 'gen_ai.response.model': 'gpt-test-long-2025-01-01' });
    const events = span!.attributes['agentrace.gen_ai.stream.events'] as number;
    expect(events).toBeGreaterThanOrEqual(20);
    expect(events).toBeLessThan(400);
    expect(span!.attributes['gen_ai.usage.output_tokens']).toBeUndefined(); // usage comes in the last chunk, never read
    expect(span!.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('a gzip-compressed answer is decoded apart: the SDK reads its own bytes', async () => {
    const { untraced, traced } = await bothWays(() => client.chat.completions.create({ model: 'gpt-test-gzip', messages }));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({ 'gen_ai.response.id': 'chatcmpl-test-1', 'gen_ai.usage.output_tokens': 12 });
  });
});

describe('responses API', () => {
  it('a plain answer', async () => {
    const { untraced, traced } = await bothWays(() => client.responses.create({ model: 'gpt-resp', input: 'Weather in Paris?', instructions: 'Be brief.', max_output_tokens: 50 }));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.name).toBe('chat gpt-resp');
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.response.id': 'resp_test_1',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.output_tokens': 14,
      'gen_ai.usage.cache_read.input_tokens': 8,
      'gen_ai.usage.reasoning.output_tokens': 3,
    });
    noContent(span!.attributes);
  });

  it('a streamed tool call', async () => {
    const { untraced, traced } = await bothWays(async () => collect(await client.responses.create({ model: 'gpt-resp-tool', input: 'Weather in Paris?', stream: true, tools: [{ type: 'function', name: 'get_weather', parameters: {}, strict: false }] })));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['tool_call'],
      'gen_ai.usage.output_tokens': 14,
      'agentrace.gen_ai.tool_call.names': ['get_weather'],
      'agentrace.gen_ai.tool_call.ids': ['call_weather_2'],
    });
  });
});

describe('embeddings', () => {
  it('model, encoding format, dimensions and usage', async () => {
    const { untraced, traced } = await bothWays(() => client.embeddings.create({ model: 'embed-test', input: ['a', 'b'], encoding_format: 'float', dimensions: 4 }));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.name).toBe('embeddings embed-test');
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': 'embed-test',
      'gen_ai.request.encoding_formats': ['float'],
      'gen_ai.embeddings.dimension.count': 4,
      'gen_ai.response.model': 'embed-test-v2',
      'gen_ai.usage.input_tokens': 6,
    });
  });
});
