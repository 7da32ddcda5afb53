// The Vercel AI SDK (`ai` with `@ai-sdk/openai`, over fetch) against the local OpenAI-compatible
// server: each model call one inference span, results unchanged; with `experimental_telemetry` on,
// the SDK's `doGenerate`/`doStream` span is the inference span and agentrace's the HTTP attempt
// under it (no duplicate).
import { createOpenAI } from '@ai-sdk/openai';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { CONTENT_ATTRIBUTES, setupModelCalls, stable } from './utils/model-calls.js';
import { ANSWER } from './utils/model-server.js';

const { tracing, server, bothWays, clientSpans } = await setupModelCalls({ genAi: { streamIdleTimeoutMs: 300 } });
const provider = createOpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: `${server.origin}/v1` });
const prompt = 'Weather in Paris?';

/** What a generateText result says, as a caller reads it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any tool set
function generated(result: Awaited<ReturnType<typeof generateText<any>>>): unknown {
  return {
    text: result.text,
    finishReason: result.finishReason,
    usage: result.usage,
    toolCalls: result.toolCalls,
    toolResults: result.toolResults,
    steps: result.steps.length,
    response: { id: result.response.id, modelId: result.response.modelId, timestamp: result.response.timestamp, headers: result.response.headers },
    providerMetadata: result.providerMetadata,
  };
}

describe('generateText and streamText', () => {
  it('a plain answer', async () => {
    const { untraced, traced } = await bothWays(async () => generated(await generateText({ model: provider.chat('gpt-vercel'), prompt, temperature: 0.1, maxRetries: 0 })));
    expect(traced).toBe(untraced);
    expect(traced).toContain(ANSWER);
    const [span, ...more] = await clientSpans();
    expect(more).toEqual([]);
    expect(span!.name).toBe('chat gpt-vercel');
    expect(span!.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.temperature': 0.1,
      'gen_ai.response.id': 'chatcmpl-test-1',
      'gen_ai.usage.input_tokens': 31,
      'gen_ai.usage.output_tokens': 12,
    });
    for (const key of CONTENT_ATTRIBUTES) expect(span!.attributes[key]).toBeUndefined();
  });

  it('a streamed answer with usage in the last chunk', async () => {
    const { untraced, traced } = await bothWays(async () => {
      const result = streamText({ model: provider.chat('gpt-vercel'), prompt, maxRetries: 0 });
      const text: string[] = [];
      for await (const piece of result.textStream) text.push(piece);
      return { text, usage: await result.usage, finishReason: await result.finishReason, response: (await result.response).id };
    });
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({ 'gen_ai.request.stream': true, 'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.usage.output_tokens': 12 });
  });

  it('a tool loop: the first call asks for the tool (streamed and not), the second answers', async () => {
    for (const stream of [false, true]) {
      tracing.reset();
      const tools = { get_weather: tool({ description: 'Current weather of a city', inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }), execute: async ({ city }) => `${city}: sunny` }) };
      const { untraced, traced } = await bothWays(async () => {
        if (!stream) return generated(await generateText({ model: provider.chat('gpt-vercel-tool'), prompt, tools, stopWhen: stepCountIs(3), maxRetries: 0 }));
        const result = streamText({ model: provider.chat('gpt-vercel-tool'), prompt, tools, stopWhen: stepCountIs(3), maxRetries: 0 });
        const text: string[] = [];
        for await (const piece of result.textStream) text.push(piece);
        return { text, toolCalls: (await result.steps).map((s) => s.toolCalls.map((c) => [c.toolCallId, c.toolName, c.input])) };
      });
      expect(traced).toBe(untraced);
      const spans = (await clientSpans(2)).sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
      expect(spans.map((s) => s.name)).toEqual(['chat gpt-vercel-tool', 'chat gpt-vercel-tool']);
      expect(spans[0]!.attributes).toMatchObject({ 'agentrace.gen_ai.tool_call.ids': ['call_weather_1'], 'agentrace.gen_ai.tool_call.names': ['get_weather'] });
      expect(spans[1]!.attributes['agentrace.gen_ai.tool_call.ids']).toBeUndefined();
      expect(spans[1]!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    }
  });

  it('a 429 and a 500: ERROR, the SDK error unchanged', async () => {
    for (const [model, type] of [
      ['gpt-vercel-429', 'rate_limit_exceeded'],
      ['gpt-vercel-500', 'server_error'],
    ] as const) {
      tracing.reset();
      const { untraced, traced } = await bothWays(() => generateText({ model: provider.chat(model), prompt, maxRetries: 0 }));
      expect(traced).toBe(untraced);
      expect(traced).toContain('AI_APICallError');
      const [span] = await clientSpans();
      expect(span!.status.code).toBe(SpanStatusCode.ERROR);
      expect(span!.attributes['error.type']).toBe(type);
    }
  });

  it('a stream the caller abandons halfway (its abortSignal: the SDK reads a stream to its end otherwise)', async () => {
    const { untraced, traced } = await bothWays(async () => {
      const controller = new AbortController();
      const result = streamText({ model: provider.chat('gpt-vercel-long'), prompt, maxRetries: 0, abortSignal: controller.signal });
      const text: string[] = [];
      for await (const piece of result.textStream) {
        text.push(piece);
        if (text.length === 10) controller.abort();
      }
      return text.length >= 10;
    });
    expect(traced).toBe(untraced);
    const [span] = await clientSpans();
    expect(span!.attributes).toMatchObject({ 'agentrace.http.aborted': true, 'gen_ai.response.id': 'chatcmpl-test-1' });
    expect(span!.attributes['agentrace.gen_ai.stream.events']).toBeGreaterThanOrEqual(10);
    expect(span!.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
  });
});

describe('with experimental_telemetry on', () => {
  it('the SDK span is the inference span; agentrace adds the HTTP attempt under it, no second one', async () => {
    for (const stream of [false, true]) {
      tracing.reset();
      if (stream) {
        const result = streamText({ model: provider.chat('gpt-vercel'), prompt, maxRetries: 0, experimental_telemetry: { isEnabled: true } });
        for await (const _ of result.textStream);
      } else {
        await generateText({ model: provider.chat('gpt-vercel'), prompt, maxRetries: 0, experimental_telemetry: { isEnabled: true } });
      }
      const [http] = await clientSpans();
      const spans = tracing.spans();
      const inner = spans.find((s) => s.name === (stream ? 'ai.streamText.doStream' : 'ai.generateText.doGenerate'))!;
      expect(inner.attributes['gen_ai.request.model']).toBe('gpt-vercel');
      expect(http!.kind).toBe(SpanKind.CLIENT);
      expect(http!.name).toBe('POST');
      expect(http!.parentSpanContext?.spanId).toBe(inner.spanContext().spanId);
      expect(Object.keys(http!.attributes).filter((k) => k.startsWith('gen_ai.'))).toEqual([]);
      expect(stable(spans.filter((s) => s.instrumentationScope.name === '@agentrace/instrumentation-http' && s.kind === SpanKind.CLIENT).map((s) => s.name))).toBe('["POST"]');
    }
  });
});
