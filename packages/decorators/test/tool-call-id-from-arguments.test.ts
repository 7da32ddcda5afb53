// An execute_tool span carries the id the model gave the call (gen_ai.tool.call.id) with no option,
// when the tool is given the Vercel AI SDK's execute options or the model's tool call object.
import { setupTracing } from '@agentrace/testing';
import { traced } from '@agentrace/decorators';
import { afterAll, expect, it } from 'vitest';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());

it('finds the call id in toolCallId, an OpenAI tool call or an Anthropic tool_use block; the option wins', async () => {
  const weather = traced('get_weather', async (_input: unknown, _options?: unknown) => 'sunny', { type: 'tool' });
  await weather({ city: 'Paris' }, { toolCallId: 'call_ai_sdk', messages: [] });
  await weather({ id: 'call_openai', type: 'function', function: { name: 'get_weather', arguments: '{}' } });
  await weather({ type: 'tool_use', id: 'toolu_anthropic', name: 'get_weather', input: {} });
  await weather({ id: 'not-a-tool-call' }); // a plain id is no tool call
  const own = traced('get_weather', async (_id: string) => 'sunny', { type: 'tool', callId: () => 'from-option' });
  await own('call_ignored');
  expect(tracing.spans().map((s) => s.attributes['gen_ai.tool.call.id'])).toEqual(['call_ai_sdk', 'call_openai', 'toolu_anthropic', undefined, 'from-option']);
});
