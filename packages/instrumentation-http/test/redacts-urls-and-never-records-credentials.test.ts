import { SpanKind } from '@opentelemetry/api';
import http from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { get, type ClientName } from './utils/clients.js';
import { startInstrumentedServer } from './utils/instrumented-server.js';

const { tracing, server } = await startInstrumentedServer({
  server: false,
  requestHeaders: ['X-Request-Id', 'Authorization', 'cookie', 'x-api-key', 'x-goog-api-key', 'X-Auth-Token', 'x-debug', 'baggage'],
  responseHeaders: ['x-answer', 'set-cookie'],
  redactedQueryParams: ['token'],
});

const clientSpan = async () => {
  await vi.waitFor(() => expect(tracing.spans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(1));
  return tracing.spans().find((s) => s.kind === SpanKind.CLIENT)!;
};

describe.each<ClientName>(['fetch', 'undici', 'node:http'])('%s', (client) => {
  it('redacts signed query parameters and configured ones in url.full', async () => {
    await get(client, `${server.origin}/echo?X-Amz-Signature=s3cr3t&X-Amz-Credential=AKIA&sig=abc&token=t0k&page=2`);
    const span = await clientSpan();
    expect(span.attributes['url.full']).toBe(
      `${server.origin}/echo?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&sig=REDACTED&token=REDACTED&page=2`,
    );
    expect(JSON.stringify(span.attributes)).not.toMatch(/s3cr3t|AKIA|t0k/);
  });

  it('records the chosen headers but never credentials', async () => {
    await get(client, `${server.origin}/echo`, {
      headers: { 'x-request-id': 'req-1', authorization: 'Bearer sk-secret', cookie: 'session=abc', 'x-api-key': 'key-1' },
    });
    const span = await clientSpan();
    expect(span.attributes['http.request.header.x-request-id']).toEqual(['req-1']);
    expect(span.attributes['http.response.header.x-answer']).toEqual(['42']);
    const keys = Object.keys(span.attributes).join(' ');
    expect(keys).not.toMatch(/authorization|cookie|x-api-key/);
    expect(JSON.stringify(span.attributes)).not.toMatch(/sk-secret|session=abc|key-1|a=b/);
  });
});

describe.each<ClientName>(['fetch', 'undici', 'node:http'])('%s, beyond the conventions', (client) => {
  it('redacts query parameters named like credentials (and `key`), not their look-alikes', async () => {
    await get(client, `${server.origin}/echo?access_token=a1&api_key=a2&apikey=a3&key=a4&client_secret=a5&password=a6&max_tokens=9&keyword=otel`);
    const span = await clientSpan();
    expect(span.attributes['url.full']).toBe(
      `${server.origin}/echo?access_token=REDACTED&api_key=REDACTED&apikey=REDACTED&key=REDACTED&client_secret=REDACTED&password=REDACTED&max_tokens=9&keyword=otel`,
    );
  });

  it('never records headers named like credentials, and masks secrets in the values it records', async () => {
    await get(client, `${server.origin}/echo`, {
      headers: {
        'x-goog-api-key': 'AIza-goog-1',
        'x-auth-token': 'auth-tok-1',
        'x-debug': 'forwarded Bearer abcdefghijklmnop',
        baggage: 'tenant.id=t1,auth_token=bag-tok-1',
      },
    });
    const span = await clientSpan();
    expect(Object.keys(span.attributes).join(' ')).not.toMatch(/goog|auth-token/);
    expect(span.attributes['http.request.header.x-debug']).toEqual(['forwarded Bearer REDACTED']);
    expect(span.attributes['http.request.header.baggage']).toEqual(['tenant.id=t1,auth_token=REDACTED']);
    expect(JSON.stringify(span.attributes)).not.toMatch(/goog-1|auth-tok-1|abcdefghijklmnop|bag-tok-1/);
  });
});

it('node:http: user and password in the URL become REDACTED:REDACTED', async () => {
  await new Promise<void>((resolve, reject) => {
    http.get(`http://alice:pa55word@127.0.0.1:${server.port}/echo`, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
  const span = await clientSpan();
  expect(span.attributes['url.full']).toBe(`http://REDACTED:REDACTED@127.0.0.1:${server.port}/echo`);
  // The request itself is unchanged: the server still got the credentials.
  expect(server.seen.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('alice:pa55word').toString('base64')}`);
});
