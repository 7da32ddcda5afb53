// A tool-calling agent on the official `openai` SDK: it streams the model's answer, runs the tools the
// model asks for, sends their results back, and loops until the model answers in text. Nothing here
// is about tracing but the decorators: the model calls become inference spans through the HTTP
// instrumentation, which reads the requests and streamed answers as they pass.
import { agent, run, step, tool } from '@agentrace/decorators';
import { trace } from '@opentelemetry/api';
import OpenAI from 'openai';
import type { ChatCompletionMessageFunctionToolCall, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';

export const MODEL = 'weather-model';

const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

export interface Question {
  id: string;
  text: string;
}

export interface Answer {
  id: string;
  text: string;
  modelCalls: number;
  toolRuns: number;
  /** The run's trace, for a link to it. */
  traceId: string;
}

@agent({ name: 'weather-agent', description: 'answers weather questions with a get_weather tool' })
export class WeatherAgent {
  private readonly client: OpenAI;

  constructor(
    baseURL: string,
    private readonly weatherURL: string,
  ) {
    this.client = new OpenAI({ apiKey: 'not-needed-locally', baseURL, maxRetries: 1 });
  }

  /** One run per question: its id is the run's correlation id. */
  @run({ correlationId: (q: Question) => q.id })
  async answer(question: Question): Promise<Answer> {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You answer questions about the weather. Use get_weather.' },
      { role: 'user', content: question.text },
    ];
    let modelCalls = 0;
    let toolRuns = 0;
    const traceId = trace.getActiveSpan()?.spanContext().traceId ?? '';
    for (;;) {
      modelCalls++;
      const { text, toolCalls } = await this.think(messages);
      if (toolCalls.length === 0) return { id: question.id, text, modelCalls, toolRuns, traceId };
      messages.push({ role: 'assistant', content: text || null, tool_calls: toolCalls });
      for (const call of toolCalls) {
        toolRuns++;
        messages.push({ role: 'tool', tool_call_id: call.id, content: await this.runTool(call) });
      }
    }
  }

  /** One model call, streamed: the text and the tool calls, put together from the deltas. */
  @step({ name: 'think' })
  async think(messages: ChatCompletionMessageParam[]): Promise<{ text: string; toolCalls: ChatCompletionMessageFunctionToolCall[] }> {
    const stream = await this.client.chat.completions.create({ model: MODEL, messages, tools: TOOLS, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const toolCalls: ChatCompletionMessageFunctionToolCall[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      if (delta?.content) text += delta.content;
      for (const d of delta?.tool_calls ?? []) {
        const call = (toolCalls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (d.id) call.id = d.id;
        if (d.function?.name) call.function.name = d.function.name;
        if (d.function?.arguments) call.function.arguments += d.function.arguments;
      }
    }
    return { text, toolCalls };
  }

  /** A failing tool is the model's business: its error goes back as the tool's result. */
  async runTool(call: ChatCompletionMessageFunctionToolCall): Promise<string> {
    try {
      return await this.getWeather(call);
    } catch (error) {
      return `error: ${(error as Error).message}`;
    }
  }

  /**
   * The tool. It takes the model's tool call as it came, so its `execute_tool get_weather` span
   * carries the call's id (`gen_ai.tool.call.id`), the same id the inference span that asked for it
   * lists: the trace says which answer caused which run.
   */
  @tool({ name: 'get_weather', description: 'Current weather of a city' })
  async getWeather(call: ChatCompletionMessageFunctionToolCall): Promise<string> {
    const { city } = JSON.parse(call.function.arguments) as { city: string };
    const response = await fetch(`${this.weatherURL}?city=${encodeURIComponent(city)}`);
    const body = (await response.json()) as { sky?: string; celsius?: number; error?: string };
    if (!response.ok) throw new Error(body.error ?? `weather API answered ${response.status}`);
    return `${city}: ${body.sky}, ${body.celsius} °C`;
  }
}
