// The example agent, in process, over 30 concurrent questions: each run is one trace whose model
// calls are inference spans, whose tool runs carry the tool call id of the model answer that asked
// for them, and where only GenAI operations carry gen_ai.* attributes.
import { instrumentHttp } from '@agentrace/instrumentation-http';
import { assertNoCrossRunSpans, groupSpansByTrace, setupTracing } from '@agentrace/testing';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, expect, it } from 'vitest';
import { MODEL, WeatherAgent, type Question } from '../src/agent.js';
import { startModelServer } from '../src/model-server.js';

const tracing = setupTracing({ serviceName: `example-model-agent-test-${process.pid}` });
const http = instrumentHttp({ server: false });
const model = await startModelServer();
afterAll(async () => {
  http.disable();
  await model.close();
  await tracing.shutdown();
});

const TEXTS = ['What is the weather in Paris?', 'Compare the weather in Lyon and Oslo.', 'Is it warm in Lisbon and in Atlantis?'];

it('30 concurrent questions: model calls, the tools they asked for and those tools runs, each run in its own trace', async () => {
  const agent = new WeatherAgent(model.baseURL, model.weatherURL);
  const questions: Question[] = Array.from({ length: 30 }, (_, i) => ({ id: `q-${i}`, text: TEXTS[i % 3]! }));
  const answers = await Promise.all(questions.map((q) => agent.answer(q)));
  expect(answers[0]!.text).toBe('Here is the weather: Paris: light rain, 14 °C.');
  expect(answers[2]!.text).toContain('error: no weather station in Atlantis');

  assertNoCrossRunSpans(tracing, { oneTracePerRun: true });
  const byTrace = groupSpansByTrace(tracing);
  expect(byTrace.size).toBe(questions.length);
  for (const answer of answers) {
    const spans = byTrace.get(answer.traceId)!;
    const start = (s: (typeof spans)[number]) => s.startTime[0] * 1e9 + s.startTime[1];
    const inference = spans.filter((s) => s.name === `chat ${MODEL}`).sort((a, b) => start(a) - start(b));
    const tools = spans.filter((s) => s.name === 'execute_tool get_weather');
    expect(inference).toHaveLength(answer.modelCalls);
    expect(tools).toHaveLength(answer.toolRuns);
    for (const span of inference) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.stream': true, 'gen_ai.agent.name': 'weather-agent', 'agentrace.correlation_id': answer.id });
      expect(span.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeTypeOf('number');
    }
    // The first answer asked for the tools; each tool run carries one of its call ids, all of them used.
    const asked = inference[0]!.attributes['agentrace.gen_ai.tool_call.ids'] as string[];
    expect(inference[0]!.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(tools.map((t) => t.attributes['gen_ai.tool.call.id']).sort()).toEqual([...asked].sort());
    for (const t of tools) expect(start(t)).toBeGreaterThan(start(inference[0]!));
    expect(inference.at(-1)!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    // Only GenAI operations carry gen_ai.*; the rest name the agent as agentrace.agent.name.
    for (const span of spans) {
      const genAi = typeof span.attributes['gen_ai.operation.name'] === 'string';
      if (!genAi) {
        expect(Object.keys(span.attributes).filter((k) => k.startsWith('gen_ai.'))).toEqual([]);
        expect(span.attributes['agentrace.agent.name']).toBe('weather-agent');
      }
    }
  }
  const atlantis = tracing.spans().filter((s) => s.name === 'execute_tool get_weather' && s.status.code === SpanStatusCode.ERROR);
  expect(atlantis).toHaveLength(10);
});
