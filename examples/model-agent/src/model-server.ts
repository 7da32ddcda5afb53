// The example's model: a local server that speaks the OpenAI Chat Completions wire format (JSON and
// Server-Sent Events), so the agent runs with the official `openai` SDK and no key. Its "model" is
// a tiny rule: asked about the weather of cities, it first asks for `get_weather` once per city (a
// streamed tool call); once the conversation holds every result, it streams an answer built from them.
// It also serves the weather API the tool calls (`GET /weather?city=`).
import { once } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelServer {
  /** The OpenAI base URL (`…/v1`). */
  baseURL: string;
  /** The weather API the tool calls. */
  weatherURL: string;
  close(): Promise<void>;
}

const WEATHER: Record<string, { sky: string; celsius: number }> = {
  paris: { sky: 'light rain', celsius: 14 },
  lyon: { sky: 'sunny', celsius: 21 },
  oslo: { sky: 'snow', celsius: -3 },
  lisbon: { sky: 'clear', celsius: 24 },
};
/** Cities the weather API does not know: its tool run fails, and the model says so. */
const CITIES = /\b(Paris|Lyon|Oslo|Lisbon|Atlantis)\b/g;

interface Message {
  role: string;
  content?: string | null;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

let calls = 0;

function chunk(model: string, delta: unknown, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: `chatcmpl-${calls}`, object: 'chat.completion.chunk', created: 1_700_000_000, model: `${model}-v1`, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

async function stream(res: ServerResponse, model: string, messages: Message[], withUsage: boolean): Promise<void> {
  calls++;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const question = messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  const cities = [...new Set([...String(question).matchAll(CITIES)].map((m) => m[1]!))];
  const results = messages.filter((m) => m.role === 'tool');
  const asked = messages.flatMap((m) => m.tool_calls ?? []);
  const pending = cities.filter((city) => !asked.some((c) => c.function.arguments.includes(city)));
  const write = async (text: string) => {
    res.write(text);
    await new Promise((r) => setTimeout(r, 15)); // a model thinks between chunks
  };
  let usage = { prompt_tokens: 60 + JSON.stringify(messages).length / 4, completion_tokens: 0, total_tokens: 0 };
  if (pending.length > 0) {
    // Ask for one get_weather call per city, streamed the way OpenAI streams tool calls.
    await write(chunk(model, { role: 'assistant', content: null }));
    for (const [index, city] of pending.entries()) {
      await write(chunk(model, { tool_calls: [{ index, id: `call_${city.toLowerCase()}_${calls}`, type: 'function', function: { name: 'get_weather', arguments: '' } }] }));
      for (const piece of ['{"city":', `"${city}"}`]) await write(chunk(model, { tool_calls: [{ index, function: { arguments: piece } }] }));
    }
    await write(chunk(model, {}, 'tool_calls'));
    usage.completion_tokens = 18 * pending.length;
  } else {
    const lines = results.map((r) => String(r.content));
    const answer = cities.length === 0 ? 'Ask me about the weather in Paris, Lyon, Oslo or Lisbon.' : `Here is the weather: ${lines.join('; ')}.`;
    await write(chunk(model, { role: 'assistant', content: '' }));
    for (const word of answer.split(/(?<= )/)) await write(chunk(model, { content: word }));
    await write(chunk(model, {}, 'stop'));
    usage.completion_tokens = answer.split(' ').length;
  }
  usage = { ...usage, prompt_tokens: Math.round(usage.prompt_tokens), total_tokens: Math.round(usage.prompt_tokens) + usage.completion_tokens };
  if (withUsage) res.write(`data: ${JSON.stringify({ id: `chatcmpl-${calls}`, object: 'chat.completion.chunk', created: 1_700_000_000, model: `${model}-v1`, choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}

export async function startModelServer(port = 0): Promise<ModelServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/weather') {
      const city = url.searchParams.get('city') ?? '';
      const weather = WEATHER[city.toLowerCase()];
      res.writeHead(weather ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(weather ?? { error: `no weather station in ${city}` }));
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { model: string; messages: Message[]; stream?: boolean; stream_options?: { include_usage?: boolean } };
      if (url.pathname !== '/v1/chat/completions' || body.stream !== true) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'this model only streams chat completions', type: 'invalid_request_error', code: 'unsupported' } }));
        return;
      }
      void stream(res, body.model, body.messages, body.stream_options?.include_usage === true);
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseURL: `${origin}/v1`,
    weatherURL: `${origin}/weather`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
