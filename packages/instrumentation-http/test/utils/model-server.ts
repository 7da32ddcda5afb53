// A local stand-in for the model APIs, answering in each one's documented wire format: OpenAI Chat
// Completions, Responses and Embeddings, Anthropic Messages and Gemini generateContent /
// streamGenerateContent, as JSON or as Server-Sent Events. Answers are deterministic (fixed ids, no
// Date header), so an SDK's result can be compared byte for byte with and without the instrumentation.
//
// The model name picks the scenario: `…-tool` asks for a tool call (and answers in text once the
// conversation carries the tool's result), `…-429` and `…-500` fail, `…-long` streams slowly and long
// (for a caller that abandons it), `…-gzip` compresses the answer; anything else is a plain answer.
import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export const ANSWER = 'Hello from the model. Paris is sunny today.';
/** The answer split into the pieces a stream sends. */
export const ANSWER_PIECES = ANSWER.match(/.{1,6}/g)!;
export const TOOL_ARGS = '{"city":"Paris"}';
const ARG_PIECES = ['{"ci', 'ty":', '"Par', 'is"}'];
export const LONG_CHUNKS = 400;

export interface ModelServer {
  origin: string;
  /** Every request body the server received, parsed. */
  bodies: { path: string; body: Record<string, unknown>; traceparent: string | undefined }[];
  close(): Promise<void>;
}

type Scenario = 'plain' | 'tool' | 'answer-after-tool' | '429' | '500' | 'long' | 'gzip';

function scenarioOf(model: string, toolResultGiven: boolean): Scenario {
  if (model.endsWith('-429')) return '429';
  if (model.endsWith('-500')) return '500';
  if (model.endsWith('-long')) return 'long';
  if (model.endsWith('-gzip')) return 'gzip';
  if (model.endsWith('-tool')) return toolResultGiven ? 'answer-after-tool' : 'tool';
  return 'plain';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes an SSE stream: each event as `event:` (when named) and `data:` lines, then a blank line. */
async function sse(res: ServerResponse, events: { event?: string; data: unknown }[], slow = false): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (let i = 0; i < events.length; i++) {
    if (res.destroyed) return;
    const { event, data } = events[i]!;
    const text = (event !== undefined ? `event: ${event}\n` : '') + `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
    const ok = res.write(text);
    if (slow && i > 4) await sleep(5);
    else if (!ok) await once(res, 'drain');
    else if (i % 8 === 7) await sleep(0); // let several writes reach the client as separate chunks
  }
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, gzip = false): void {
  const text = JSON.stringify(body);
  if (gzip) {
    const data = zlib.gzipSync(text);
    res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(data.length), ...headers });
    res.end(data);
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

// ---------------------------------------------------------------------------------------------- OpenAI

const CREATED = 1_700_000_000;

function openAiError(res: ServerResponse, scenario: '429' | '500'): void {
  if (scenario === '429') {
    json(res, 429, { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'retry-after': '7', 'retry-after-ms': '7000' });
  } else {
    json(res, 500, { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } });
  }
}

function chatCompletions(res: ServerResponse, body: Record<string, unknown>, scenario: Scenario): Promise<void> | void {
  if (scenario === '429' || scenario === '500') return openAiError(res, scenario);
  const model = `${String(body.model)}-2025-01-01`;
  const usage = { prompt_tokens: 31, completion_tokens: 12, total_tokens: 43, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 2 } };
  const toolCall = { id: 'call_weather_1', type: 'function', function: { name: 'get_weather', arguments: TOOL_ARGS } };
  const base = { id: 'chatcmpl-test-1', object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: 'fp_test' };
  if (body.stream !== true) {
    const message = scenario === 'tool' ? { role: 'assistant', content: null, tool_calls: [toolCall], refusal: null } : { role: 'assistant', content: ANSWER, refusal: null };
    return json(
      res,
      200,
      { id: 'chatcmpl-test-1', object: 'chat.completion', created: CREATED, model, system_fingerprint: 'fp_test', choices: [{ index: 0, message, logprobs: null, finish_reason: scenario === 'tool' ? 'tool_calls' : 'stop' }], usage },
      {},
      scenario === 'gzip',
    );
  }
  const chunk = (delta: unknown, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const events: { data: unknown }[] = [];
  if (scenario === 'tool') {
    events.push({ data: chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: toolCall.id, type: 'function', function: { name: 'get_weather', arguments: '' } }] }) });
    for (const piece of ARG_PIECES) events.push({ data: chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }) });
    events.push({ data: chunk({}, 'tool_calls') });
  } else {
    events.push({ data: chunk({ role: 'assistant', content: '' }) });
    const pieces = scenario === 'long' ? Array.from({ length: LONG_CHUNKS }, (_, i) => ANSWER_PIECES[i % ANSWER_PIECES.length]!) : ANSWER_PIECES;
    for (const piece of pieces) events.push({ data: chunk({ content: piece }) });
    events.push({ data: chunk({}, 'stop') });
  }
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage === true) events.push({ data: { ...base, choices: [], usage } });
  events.push({ data: '[DONE]' });
  return sse(res, events, scenario === 'long');
}

function responses(res: ServerResponse, body: Record<string, unknown>, scenario: Scenario): Promise<void> | void {
  if (scenario === '429' || scenario === '500') return openAiError(res, scenario);
  const model = `${String(body.model)}-2025-01-01`;
  const usage = { input_tokens: 40, input_tokens_details: { cached_tokens: 8 }, output_tokens: 14, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 54 };
  const message = { id: 'msg_test_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: ANSWER, annotations: [] }] };
  const call = { id: 'fc_test_1', type: 'function_call', status: 'completed', call_id: 'call_weather_2', name: 'get_weather', arguments: TOOL_ARGS };
  const response = (status: string, output: unknown[], withUsage: boolean) => ({
    id: 'resp_test_1',
    object: 'response',
    created_at: CREATED,
    status,
    model,
    output,
    usage: withUsage ? usage : null,
    error: null,
    incomplete_details: null,
  });
  const output = scenario === 'tool' ? [call] : [message];
  if (body.stream !== true) return json(res, 200, response('completed', output, true));
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) => ({ event: type, data: { type, sequence_number: seq++, ...data } });
  const events = [ev('response.created', { response: response('in_progress', [], false) }), ev('response.in_progress', { response: response('in_progress', [], false) })];
  if (scenario === 'tool') {
    events.push(ev('response.output_item.added', { output_index: 0, item: { ...call, status: 'in_progress', arguments: '' } }));
    for (const piece of ARG_PIECES) events.push(ev('response.function_call_arguments.delta', { item_id: call.id, output_index: 0, delta: piece }));
    events.push(ev('response.function_call_arguments.done', { item_id: call.id, output_index: 0, arguments: TOOL_ARGS }));
    events.push(ev('response.output_item.done', { output_index: 0, item: call }));
  } else {
    events.push(ev('response.output_item.added', { output_index: 0, item: { ...message, status: 'in_progress', content: [] } }));
    events.push(ev('response.content_part.added', { item_id: message.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
    for (const piece of ANSWER_PIECES) events.push(ev('response.output_text.delta', { item_id: message.id, output_index: 0, content_index: 0, delta: piece }));
    events.push(ev('response.output_text.done', { item_id: message.id, output_index: 0, content_index: 0, text: ANSWER }));
    events.push(ev('response.output_item.done', { output_index: 0, item: message }));
  }
  events.push(ev('response.completed', { response: response('completed', output, true) }));
  return sse(res, events);
}

function embeddings(res: ServerResponse, body: Record<string, unknown>, scenario: Scenario): void {
  if (scenario === '429' || scenario === '500') return openAiError(res, scenario);
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  json(res, 200, {
    object: 'list',
    data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.25, -0.5, 0.125, 1] })),
    model: `${String(body.model)}-v2`,
    usage: { prompt_tokens: 6, total_tokens: 6 },
  });
}

// ------------------------------------------------------------------------------------------- Anthropic

function messages(res: ServerResponse, body: Record<string, unknown>, scenario: Scenario): Promise<void> | void {
  if (scenario === '429') {
    return json(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } }, { 'retry-after': '7' });
  }
  if (scenario === '500') return json(res, 500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
  const model = `${String(body.model)}-20250101`;
  const usage = { input_tokens: 25, output_tokens: 15, cache_read_input_tokens: 5, cache_creation_input_tokens: 3 };
  const toolUse = { type: 'tool_use', id: 'toolu_weather_1', name: 'get_weather', input: { city: 'Paris' } };
  if (body.stream !== true) {
    const content = scenario === 'tool' ? [{ type: 'text', text: 'Let me check.' }, toolUse] : [{ type: 'text', text: ANSWER }];
    return json(res, 200, { id: 'msg_test_1', type: 'message', role: 'assistant', model, content, stop_reason: scenario === 'tool' ? 'tool_use' : 'end_turn', stop_sequence: null, usage });
  }
  const events: { event: string; data: unknown }[] = [];
  const ev = (type: string, data: Record<string, unknown>) => events.push({ event: type, data: { type, ...data } });
  ev('message_start', { message: { id: 'msg_test_1', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  ev('ping', {});
  const pieces = scenario === 'tool' ? ['Let me ', 'check.'] : scenario === 'long' ? Array.from({ length: LONG_CHUNKS }, (_, i) => ANSWER_PIECES[i % ANSWER_PIECES.length]!) : ANSWER_PIECES;
  for (const text of pieces) ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  ev('content_block_stop', { index: 0 });
  if (scenario === 'tool') {
    ev('content_block_start', { index: 1, content_block: { ...toolUse, input: {} } });
    for (const piece of ARG_PIECES) ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: piece } });
    ev('content_block_stop', { index: 1 });
  }
  ev('message_delta', { delta: { stop_reason: scenario === 'tool' ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } });
  ev('message_stop', {});
  return sse(res, events, scenario === 'long');
}

// ---------------------------------------------------------------------------------------------- Gemini

function gemini(res: ServerResponse, model: string, stream: boolean, scenario: Scenario): Promise<void> | void {
  if (scenario === '429') return json(res, 429, { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } }, { 'retry-after': '7' });
  if (scenario === '500') return json(res, 500, { error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } });
  const usage = { promptTokenCount: 22, candidatesTokenCount: 11, thoughtsTokenCount: 4, cachedContentTokenCount: 6, totalTokenCount: 37 };
  const base = { modelVersion: `${model}-001`, responseId: 'resp-gemini-1' };
  const call = { functionCall: { id: 'fc-gemini-1', name: 'get_weather', args: { city: 'Paris' } } };
  if (!stream) {
    const parts = scenario === 'tool' ? [call] : [{ text: ANSWER }];
    return json(res, 200, { candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: usage, ...base });
  }
  const events: { data: unknown }[] = [];
  if (scenario === 'tool') {
    events.push({ data: { candidates: [{ content: { parts: [call], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: usage, ...base } });
  } else {
    const pieces = scenario === 'long' ? Array.from({ length: LONG_CHUNKS }, (_, i) => ANSWER_PIECES[i % ANSWER_PIECES.length]!) : ANSWER_PIECES;
    pieces.forEach((text, i) => {
      const last = i === pieces.length - 1;
      events.push({
        data: {
          candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }],
          usageMetadata: last ? usage : { promptTokenCount: 22, totalTokenCount: 22 },
          ...base,
        },
      });
    });
  }
  return sse(res, events, scenario === 'long');
}

// ---------------------------------------------------------------------------------------------- server

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Whether the conversation already carries a tool's result (the second turn of a tool loop). */
function hasToolResult(body: Record<string, unknown>): boolean {
  const text = JSON.stringify(body.messages ?? body.input ?? body.contents ?? []);
  return text.includes('"role":"tool"') || text.includes('"tool_result"') || text.includes('"function_call_output"') || text.includes('"functionResponse"');
}

const GEMINI = /\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

export async function startModelServer(): Promise<ModelServer> {
  const bodies: ModelServer['bodies'] = [];
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    res.sendDate = false; // the answer must be the same bytes every time
    void (async () => {
      const raw = await readBody(req);
      const body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
      const path = (req.url ?? '/').split('?')[0]!;
      bodies.push({ path, body, traceparent: req.headers.traceparent as string | undefined });
      const gem = GEMINI.exec(path);
      const model = gem ? decodeURIComponent(gem[1]!) : String(body.model ?? '');
      const scenario = scenarioOf(model, hasToolResult(body));
      if (path.endsWith('/chat/completions')) await chatCompletions(res, body, scenario === 'answer-after-tool' ? 'plain' : scenario);
      else if (path.endsWith('/responses')) await responses(res, body, scenario === 'answer-after-tool' ? 'plain' : scenario);
      else if (path.endsWith('/embeddings')) embeddings(res, body, scenario);
      else if (path.endsWith('/v1/messages')) await messages(res, body, scenario === 'answer-after-tool' ? 'plain' : scenario);
      else if (gem) await gemini(res, model, gem[2] === 'streamGenerateContent', scenario === 'answer-after-tool' ? 'plain' : scenario);
      else json(res, 404, { error: { message: `no route ${path}` } });
    })().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { message: String(error) } });
      else res.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    bodies,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
