// The SSE reader: the same events whatever the chunk boundaries (a split line, a split UTF-8
// character, CRLF), bounded per event; and streamed answers read through every client path
// (fetch, undici's `request`, node:http), with what the caller reads unchanged.
import { SpanKind } from '@opentelemetry/api';
import http from 'node:http';
import { request as undiciRequest } from 'undici';
import { describe, expect, it, vi } from 'vitest';
import { SseParser } from '../src/genai/sse.js';
import { setupModelCalls } from './utils/model-calls.js';

describe('SseParser', () => {
  const stream = 'event: a\ndata: {"x":"é—😀"}\n\n: keep-alive\n\ndata: line one\r\ndata: line two\r\n\r\nevent: b\ndata:no-space\n\ndata: [DONE]\n\n';
  const expected = [
    ['a', '{"x":"é—😀"}'],
    ['', 'line one\nline two'],
    ['b', 'no-space'],
    ['', '[DONE]'],
  ];
  const bytes = Buffer.from(stream);

  it('gives the same events for every split of the bytes into two chunks', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const events: string[][] = [];
      const parser = new SseParser(1024, (event, data) => events.push([event, data]));
      const decoder = new TextDecoder();
      parser.push(decoder.decode(bytes.subarray(0, cut), { stream: true }));
      parser.push(decoder.decode(bytes.subarray(cut), { stream: true }));
      expect(events).toEqual(expected);
    }
  });

  it('byte by byte too', () => {
    const events: string[][] = [];
    const parser = new SseParser(1024, (event, data) => events.push([event, data]));
    const decoder = new TextDecoder();
    for (const byte of bytes) parser.push(decoder.decode(Uint8Array.of(byte), { stream: true }));
    expect(events).toEqual(expected);
  });

  it('skips an event past the bound, counts it, and goes on with the next', () => {
    const events: string[] = [];
    const parser = new SseParser(64, (_event, data) => events.push(data));
    parser.push(`data: ${'x'.repeat(30)}\n`);
    parser.push(`data: ${'y'.repeat(40)}\n\n`); // together past 64
    parser.push(`data: ${'z'.repeat(100)}`); // one line past 64, still unterminated
    parser.push('zzzz\n\ndata: small\n\n');
    expect(events).toEqual(['small']);
    expect(parser.oversized).toBe(2);
  });
});

const { server, clientSpans } = await setupModelCalls();

describe('streamed answers over every client path', () => {
  const body = JSON.stringify({ model: 'gpt-raw', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  const url = () => `${server.origin}/v1/chat/completions`;
  const read: Record<string, () => Promise<string>> = {
    fetch: async () => (await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text(),
    undici: async () => (await undiciRequest(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body })).body.text(),
    'node:http': () =>
      new Promise((resolve, reject) => {
        const req = http.request(url(), { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.write(body.slice(0, 10)); // the request body in pieces
        req.end(body.slice(10));
      }),
  };

  for (const [client, call] of Object.entries(read)) {
    it(`${client}: the caller reads the whole stream; the span has the usage of its last chunk`, async () => {
      const text = await call();
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      const [span] = await clientSpans();
      expect(span!.kind).toBe(SpanKind.CLIENT);
      expect(span!.name).toBe('chat gpt-raw');
      await vi.waitFor(() => expect(span!.attributes['gen_ai.usage.output_tokens']).toBe(12));
      expect(span!.attributes).toMatchObject({ 'gen_ai.request.stream': true, 'gen_ai.response.finish_reasons': ['stop'], 'http.response.status_code': 200 });
    });
  }
});
