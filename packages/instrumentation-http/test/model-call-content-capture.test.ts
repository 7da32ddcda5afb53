// Content capture: off by default (no message text in any attribute, checked on the spans the real
// Jaeger stored); on by option or OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, in the
// conventions' structures, through core's caps and redaction. OTEL_SEMCONV_STABILITY_OPT_IN picks the
// newest names.
import { AgentraceHttpInstrumentation } from '@agentrace/instrumentation-http';
import { otlpTracesEndpoint, setupTracing, waitForTrace } from '@agentrace/testing';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureFromEnv, latestFromEnv } from '../src/genai/config.js';
import { CONTENT_ATTRIBUTES } from './utils/model-calls.js';
import { ANSWER, startModelServer } from './utils/model-server.js';

const service = `genai-capture-${process.pid}-${Date.now()}`;
const tracing = setupTracing({ serviceName: service, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesEndpoint() }))] });
const server = await startModelServer();
afterAll(async () => {
  await server.close();
  await tracing.shutdown();
});
beforeEach(() => tracing.reset());

const SECRET = 'sk-live-1234567890abcdefghij';
const messages = [
  { role: 'system' as const, content: 'You answer about the weather.' },
  { role: 'user' as const, content: `Weather in Paris? My key is Bearer ${SECRET}` },
];
const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, api_key: { type: 'string', default: SECRET } } } } }];

async function withInstrumentation<T>(config: ConstructorParameters<typeof AgentraceHttpInstrumentation>[0], fn: () => Promise<T>): Promise<T> {
  const instrumentation = new AgentraceHttpInstrumentation(config);
  try {
    return await fn();
  } finally {
    instrumentation.disable();
  }
}

const client = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: `${server.origin}/v1`, maxRetries: 0 });

async function modelSpan() {
  await vi.waitFor(() => expect(tracing.spans().some((s) => s.kind === SpanKind.CLIENT)).toBe(true));
  return tracing.spans().find((s) => s.kind === SpanKind.CLIENT)!;
}

describe('content capture off (the default)', () => {
  it('no message text in any attribute, in the real Jaeger', async () => {
    await withInstrumentation({}, async () => {
      await client.chat.completions.create({ model: 'gpt-capture-off', messages, tools });
      const stream = await client.chat.completions.create({ model: 'gpt-capture-off', messages, stream: true, stream_options: { include_usage: true } });
      for await (const _ of stream);
    });
    await vi.waitFor(() => expect(tracing.spans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(2));
    const traceIds = new Set(tracing.spans().filter((s) => s.kind === SpanKind.CLIENT).map((s) => s.spanContext().traceId));
    await tracing.provider.forceFlush();
    for (const traceId of traceIds) {
      const tree = await waitForTrace({ traceId, minSpans: 1 });
      const text = JSON.stringify(tree);
      expect(text).toContain('gpt-capture-off'); // the model call is there ...
      expect(text).toContain('gen_ai.usage.output_tokens');
      for (const word of ['Paris', 'weather', 'sunny', SECRET, 'get_weather"', ANSWER.slice(0, 10)]) expect(text).not.toContain(word); // ... its words are not
      for (const key of CONTENT_ATTRIBUTES) expect(text).not.toContain(key);
    }
  });
});

describe('content capture on', () => {
  it('by option: instructions, messages and tool definitions in the conventions structure, redacted', async () => {
    await withInstrumentation({ genAi: { captureContent: true } }, () => client.chat.completions.create({ model: 'gpt-test-tool', messages, tools }));
    const span = await modelSpan();
    const input = JSON.parse(String(span.attributes['gen_ai.input.messages'])) as unknown[];
    expect(input).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You answer about the weather.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris? My key is Bearer REDACTED' }] },
    ]);
    const output = JSON.parse(String(span.attributes['gen_ai.output.messages'])) as unknown[];
    expect(output).toEqual([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_weather_1', name: 'get_weather', arguments: { city: 'Paris' } }], finish_reason: 'tool_calls' }]);
    const definitions = String(span.attributes['gen_ai.tool.definitions']);
    expect(JSON.parse(definitions)).toMatchObject([{ type: 'function', function: { name: 'get_weather' } }]);
    expect(JSON.stringify(span.attributes)).not.toContain(SECRET);
  });

  it('a streamed answer is put together from its deltas, within the caps', async () => {
    await withInstrumentation({ genAi: { captureContent: true, contentLimits: { maxStringLength: 20, maxBytes: 4096 } } }, async () => {
      const stream = await client.chat.completions.create({ model: 'gpt-test', messages, stream: true });
      for await (const _ of stream);
    });
    const span = await modelSpan();
    const output = JSON.parse(String(span.attributes['gen_ai.output.messages'])) as { parts: { content: string }[]; finish_reason: string }[];
    expect(output[0]!.finish_reason).toBe('stop');
    // 20 characters kept, then the visible cut marker.
    expect(output[0]!.parts[0]!.content).toBe(`${ANSWER.slice(0, 20)}…[+${ANSWER.length - 20} chars]`);
    expect(JSON.stringify(span.attributes)).not.toContain(SECRET);
  });

  it('by OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true; the option wins over it', async () => {
    vi.stubEnv('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', 'true');
    try {
      await withInstrumentation({}, () => client.chat.completions.create({ model: 'gpt-test', messages }));
      expect((await modelSpan()).attributes['gen_ai.output.messages']).toContain(ANSWER);
      tracing.reset();
      await withInstrumentation({ genAi: { captureContent: false } }, () => client.chat.completions.create({ model: 'gpt-test', messages }));
      expect((await modelSpan()).attributes['gen_ai.output.messages']).toBeUndefined();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a total cap keeps the attribute valid JSON, marked truncated', async () => {
    const long = Array.from({ length: 50 }, (_, i) => ({ role: 'user' as const, content: `message ${i} ${'x'.repeat(200)}` }));
    await withInstrumentation({ genAi: { captureContent: true, contentLimits: { maxBytes: 1024 } } }, () => client.chat.completions.create({ model: 'gpt-test', messages: long }));
    const text = String((await modelSpan()).attributes['gen_ai.input.messages']);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024);
    expect(() => JSON.parse(text)).not.toThrow();
    expect(text).toContain('truncated');
  });
});

describe('environment', () => {
  it('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: true/false and the SPAN_ONLY family; anything else is off', () => {
    expect(captureFromEnv(undefined)).toBeUndefined();
    expect(captureFromEnv('TRUE')).toBe(true);
    expect(captureFromEnv('false')).toBe(false);
    expect(captureFromEnv('SPAN_ONLY')).toBe(true);
    expect(captureFromEnv('NO_CONTENT')).toBe(false);
    expect(captureFromEnv('yes please')).toBe(false);
  });

  it('OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental writes the newest names (cache_write)', async () => {
    expect(latestFromEnv('http,gen_ai_latest_experimental')).toBe(true);
    expect(latestFromEnv('http')).toBe(false);
    vi.stubEnv('OTEL_SEMCONV_STABILITY_OPT_IN', 'gen_ai_latest_experimental');
    try {
      const { default: Anthropic } = await import('@anthropic-ai/sdk');
      const anthropic = new Anthropic({ apiKey: 'sk-ant-test-not-a-secret', baseURL: server.origin, maxRetries: 0, openTelemetry: false });
      await withInstrumentation({}, () => anthropic.messages.create({ model: 'claude-test', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }));
      const span = await modelSpan();
      expect(span.attributes['gen_ai.usage.cache_write.input_tokens']).toBe(3);
      expect(span.attributes['gen_ai.usage.cache_creation.input_tokens']).toBeUndefined();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
