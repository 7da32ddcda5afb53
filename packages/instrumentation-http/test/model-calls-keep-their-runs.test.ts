// 100 concurrent runs, each streaming two model answers (OpenAI and Anthropic SDKs) and making one
// plain call, over the SDKs' shared keep-alive connections: every inference span sits in its own
// run's trace with its own correlation id (the model name is the probe: it is the run's id).
import Anthropic from '@anthropic-ai/sdk';
import { deriveScope, enterScope } from '@agentrace/core';
import { assertSpansInTheirRuns } from '@agentrace/testing';
import { context, trace } from '@opentelemetry/api';
import OpenAI from 'openai';
import { expect, it } from 'vitest';
import { setupModelCalls } from './utils/model-calls.js';

const RUNS = 100;
const { tracing, server } = await setupModelCalls();
const openai = new OpenAI({ apiKey: 'sk-test-not-a-secret', baseURL: `${server.origin}/v1`, maxRetries: 0 });
const anthropic = new Anthropic({ apiKey: 'sk-ant-test-not-a-secret', baseURL: server.origin, maxRetries: 0, openTelemetry: false });
const pause = () => new Promise((r) => setTimeout(r, Math.random() * 4));

it(`${RUNS} concurrent runs: each run's model calls, streamed and not, are in its own trace`, async () => {
  const tracer = trace.getTracer('test');
  await Promise.all(
    Array.from({ length: RUNS }, (_, i) => {
      const id = `run-model-${i}`;
      const scope = deriveScope(undefined, id, undefined, 'weather-agent', { ended: false })!;
      return context.with(enterScope(context.active(), scope, undefined), () =>
        tracer.startActiveSpan(`invoke_agent ${id}`, { attributes: { 'agentrace.correlation_id': id } }, async (run) => {
          await pause();
          const stream = await openai.chat.completions.create({ model: id, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
          const anthropicStream = await anthropic.messages.create({ model: id, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], stream: true });
          // Both answers are read interleaved, in this run's async context.
          const a = (async () => {
            for await (const _ of stream) await pause();
          })();
          const b = (async () => {
            for await (const _ of anthropicStream) await pause();
          })();
          await Promise.all([a, b]);
          await openai.chat.completions.create({ model: id, messages: [{ role: 'user', content: 'hi' }] });
          run.end();
        }),
      );
    }),
  );
  const inference = tracing.spans().filter((s) => typeof s.attributes['gen_ai.request.model'] === 'string');
  expect(inference).toHaveLength(RUNS * 3);
  // Inference spans are GenAI operations: they carry the agent under its GenAI name.
  for (const span of inference) expect(span.attributes['gen_ai.agent.name']).toBe('weather-agent');
  assertSpansInTheirRuns(tracing.traces(), { ownerAttribute: 'gen_ai.request.model', minProbes: RUNS * 3 });
});
