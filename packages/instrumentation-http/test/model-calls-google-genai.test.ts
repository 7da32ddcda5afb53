// The official `@google/genai` SDK (over fetch, `httpOptions.baseUrl` pointing at a local server
// speaking the Gemini API): generateContent and streamGenerateContent (`alt=sse`) make one
// `generate_content {model}` span each, with the SDK's results unchanged.
import { GoogleGenAI, type GenerateContentParameters } from '@google/genai';
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { CONTENT_ATTRIBUTES, setupModelCalls } from './utils/model-calls.js';
import { ANSWER } from './utils/model-server.js';

// A reader that stops reading ends the span after 300 ms here (the default is 5 minutes).
const { tracing, server, bothWays, clientSpans } = await setupModelCalls({ genAi: { streamIdleTimeoutMs: 300 } });
const ai = new GoogleGenAI({ apiKey: 'test-key-not-a-secret', httpOptions: { baseUrl: server.origin } });
const config = {
  systemInstruction: 'You answer about the weather.',
  temperature: 0.4,
  topP: 0.8,
  topK: 20,
  maxOutputTokens: 128,
  stopSequences: ['END'],
  seed: 3,
};
const tools = [{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather of a city', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } } } }] }];
const params = (model: string, extra: Partial<GenerateContentParameters['config']> = {}): GenerateContentParameters => ({ model, contents: 'Weather in Paris?', config: { ...config, ...extra } });

async function collect<T>(stream: AsyncIterable<T>, stopAfter = Infinity): Promise<T[]> {
  const chunks: T[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    if (chunks.length >= stopAfter) break;
  }
  return chunks;
}

describe('generateContent', () => {
  it('a plain answer: model from the URL, generationConfig, usage', async () => {
    const { untraced, traced } = await bothWays(() => ai.models.generateContent(params('gemini-test')));
    expect(traced).toBe(untraced);
    expect(traced).toContain(ANSWER);
    const [span, ...more] = await clientSpans();
    expect(more).toEqual([]);
    expect(span!.name).toBe('generate_content gemini-test');
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.provider.name': 'gcp.gen_ai', // a local host: the backend is not known
      'gen_ai.request.model': 'gemini-test',
      'gen_ai.request.temperature': 0.4,
      'gen_ai.request.top_p': 0.8,
      'gen_ai.request.top_k': 20,
      'gen_ai.request.max_tokens': 128,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 3,
      'gen_ai.response.id': 'resp-gemini-1',
      'gen_ai.response.model': 'gemini-test-001',
      'gen_ai.response.finish_reasons': ['STOP'],
      'gen_ai.usage.input_tokens': 22,
      'gen_ai.usage.output_tokens': 15, // candidates + thoughts
      'gen_ai.usage.reasoning.output_tokens': 4,
      'gen_ai.usage.cache_read.input_tokens': 6,
    });
    for (const key of CONTENT_ATTRIBUTES) expect(span!.attributes[key]).toBeUndefined();
  });

  it('a tool call: function call name and id', async () => {
    const { untraced, traced } = await bothWays(() => ai.models.generateContent(params('gemini-test-tool', { tools })));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({ 'agentrace.gen_ai.tool_call.names': ['get_weather'], 'agentrace.gen_ai.tool_call.ids': ['fc-gemini-1'] });
  });

  it('a 429 and a 500: ERROR with the API status', async () => {
    for (const [model, type, status] of [
      ['gemini-test-429', 'RESOURCE_EXHAUSTED', 429],
      ['gemini-test-500', 'INTERNAL', 500],
    ] as const) {
      tracing.reset();
      const { untraced, traced } = await bothWays(() => ai.models.generateContent(params(model)));
      expect(traced).toBe(untraced);
      const spans = await clientSpans();
      const span = spans.at(-1)!;
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes).toMatchObject({ 'error.type': type, 'http.response.status_code': status });
    }
  });
});

describe('generateContentStream', () => {
  it('a streamed answer with usage in the last chunk', async () => {
    const { untraced, traced } = await bothWays(async () => collect(await ai.models.generateContentStream(params('gemini-test'))));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.name).toBe('generate_content gemini-test');
    expect(span!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['STOP'],
      'gen_ai.usage.input_tokens': 22,
      'gen_ai.usage.output_tokens': 15,
    });
    expect(span!.attributes['gen_ai.response.time_to_first_chunk']).toBeTypeOf('number');
  });

  it('a streamed tool call', async () => {
    const { untraced, traced } = await bothWays(async () => collect(await ai.models.generateContentStream(params('gemini-test-tool', { tools }))));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({ 'agentrace.gen_ai.tool_call.names': ['get_weather'], 'agentrace.gen_ai.tool_call.ids': ['fc-gemini-1'] });
  });

  it('a stream the caller abandons halfway (the SDK never cancels it) ends its span with what was seen', async () => {
    const { untraced, traced } = await bothWays(async () => collect(await ai.models.generateContentStream(params('gemini-test-long')), 10));
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({ 'agentrace.abandoned': true, 'gen_ai.response.id': 'resp-gemini-1', 'gen_ai.response.model': 'gemini-test-long-001' });
    expect(span!.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    expect(span!.attributes['agentrace.gen_ai.stream.events']).toBeGreaterThanOrEqual(10);
  });
});
