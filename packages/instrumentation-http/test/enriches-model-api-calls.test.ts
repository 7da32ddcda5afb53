import { SpanKind } from '@opentelemetry/api';
import http from 'node:http';
import { request as undiciRequest } from 'undici';
import { describe, expect, it, vi } from 'vitest';
import { startInstrumentedServer } from './utils/instrumented-server.js';

const json = (body: unknown) => (req: http.IncomingMessage, res: http.ServerResponse) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length
    res.end(JSON.stringify(body));
  });
};

// Stand-ins for the model APIs, answering in their documented response shapes.
const { tracing, server } = await startInstrumentedServer({ server: false }, {
  '/v1/chat/completions': json({ id: 'chatcmpl-1', model: 'gpt-4o-mini-2024-07-18', usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } }),
  '/v1/messages': json({ id: 'msg_1', model: 'claude-sonnet-4-5', usage: { input_tokens: 30, output_tokens: 9 } }),
  '/api/other': json({ model: 'not-a-model-call', usage: { input_tokens: 1 } }),
});

type Client = 'fetch' | 'undici' | 'node:http';

async function post(client: Client, path: string, body: unknown): Promise<unknown> {
  const url = `${server.origin}${path}`;
  const payload = JSON.stringify(body);
  const headers = { 'content-type': 'application/json' };
  if (client === 'fetch') return (await fetch(url, { method: 'POST', headers, body: payload })).json();
  if (client === 'undici') return (await undiciRequest(url, { method: 'POST', headers, body: payload })).body.json();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const clientSpan = async () => {
  await vi.waitFor(() => expect(tracing.spans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(1));
  return tracing.spans().find((s) => s.kind === SpanKind.CLIENT)!;
};

describe.each<Client>(['fetch', 'undici', 'node:http'])('%s', (client) => {
  // Every client path sees the bodies: Node 20's built-in fetch through undici's Request methods.
  const bodyVisible = true;

  it('OpenAI-compatible chat completion: provider, operation, model and usage', async () => {
    const answer = await post(client, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer).toMatchObject({ id: 'chatcmpl-1' }); // the caller still reads the whole body
    const span = await clientSpan();
    expect(span.name).toBe('chat gpt-4o-mini');
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
    });
    if (bodyVisible) {
      expect(span.attributes).toMatchObject({
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.response.id': 'chatcmpl-1',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 5,
      });
    }
  });

  it('Anthropic messages: provider, model and usage', async () => {
    await post(client, '/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [] });
    const span = await clientSpan();
    expect(span.attributes).toMatchObject({ 'gen_ai.provider.name': 'anthropic', 'gen_ai.operation.name': 'chat' });
    if (bodyVisible) {
      expect(span.attributes).toMatchObject({ 'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.usage.input_tokens': 30, 'gen_ai.usage.output_tokens': 9 });
    }
  });

  it('other calls get no gen_ai attributes', async () => {
    await post(client, '/api/other', { model: 'not-a-model-call' });
    const span = await clientSpan();
    expect(Object.keys(span.attributes).filter((k) => k.startsWith('gen_ai.'))).toEqual([]);
  });
});
