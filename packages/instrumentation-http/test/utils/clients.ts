import http from 'node:http';
import { request as undiciRequest, Agent as UndiciAgent } from 'undici';

/** What a client call returns in every flavour: the status and the whole body. */
export interface ClientResult {
  status: number;
  body: string;
}

export type ClientName = 'fetch' | 'undici' | 'node:http';

/** One GET through the named client, with optional extra headers and AbortSignal. */
export async function get(client: ClientName, url: string, options: { headers?: Record<string, string>; signal?: AbortSignal; agent?: http.Agent; dispatcher?: UndiciAgent } = {}): Promise<ClientResult> {
  if (client === 'fetch') {
    const res = await fetch(url, { headers: options.headers, signal: options.signal });
    return { status: res.status, body: await res.text() };
  }
  if (client === 'undici') {
    const res = await undiciRequest(url, { headers: options.headers, signal: options.signal, dispatcher: options.dispatcher });
    return { status: res.statusCode, body: await res.body.text() };
  }
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: options.headers, signal: options.signal, agent: options.agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** GETs a streamed response, calling `midway` once the first chunk arrived and before reading on. */
export async function getStreamed(client: ClientName, url: string, midway: () => void | Promise<void>, dispatcher?: UndiciAgent): Promise<string> {
  if (client === 'fetch') {
    const res = await fetch(url);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let body = '';
    let first = true;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return body;
      body += decoder.decode(value);
      if (first) {
        first = false;
        await midway();
      }
    }
  }
  if (client === 'undici') {
    const res = await undiciRequest(url, { dispatcher });
    let body = '';
    let first = true;
    for await (const chunk of res.body) {
      body += String(chunk);
      if (first) {
        first = false;
        await midway();
      }
    }
    return body;
  }
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      let first = true;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (first) {
          first = false;
          void midway();
        }
      });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    }).on('error', reject);
  });
}
