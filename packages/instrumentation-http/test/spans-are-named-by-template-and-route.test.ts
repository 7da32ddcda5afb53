import type { AddressInfo } from 'node:net';
import { captureDiagnostics } from '@agentrace/testing';
import { setHttpRoute } from '@agentrace/instrumentation-http';
import { getRPCMetadata } from '@opentelemetry/core';
import { context, SpanKind } from '@opentelemetry/api';
import express from 'express';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { get, type ClientName } from './utils/clients.js';
import { startInstrumentedServer } from './utils/instrumented-server.js';

let hookThrows = false;
const { tracing, server } = await startInstrumentedServer(
  {
    urlTemplate: ({ url }) => (/\/users\/\d+$/.test(new URL(url).pathname) ? '/users/{id}' : undefined),
    spanName: (info) => {
      if (hookThrows) throw new Error('naming hook broke');
      return info.kind === 'server' && info.route === '/named-by-hook/:id' ? `handle ${info.method} ${info.route}` : undefined;
    },
  },
  {
    '/users/42': (_req, res) => {
      setHttpRoute('/users/:id');
      res.end('user');
    },
    // What a framework's official instrumentation (express, fastify, koa) does with the matched route.
    '/orders/7': (_req, res) => {
      const rpc = getRPCMetadata(context.active());
      if (rpc !== undefined) rpc.route = '/orders/:orderId';
      res.end('order');
    },
    '/named-by-hook/1': (_req, res) => {
      setHttpRoute('/named-by-hook/:id');
      res.end('named');
    },
    '/plain': (_req, res) => res.end('plain'),
  },
);

// A real Express app on the same instrumentation, with no Express instrumentation: its matched route
// (req.baseUrl + req.route.path) names the span.
const app = express();
const router = express.Router();
router.get('/items/:itemId', (_req, res) => void res.send('item'));
app.use('/shop', router);
const expressServer = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s));
});
const expressOrigin = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;
afterAll(() => new Promise<void>((resolve) => expressServer.close(() => resolve())));

const server1 = (path: string) => tracing.spans().find((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === path)!;
const client1 = (path: string) => tracing.spans().find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full']).endsWith(path))!;

describe.each<ClientName>(['fetch', 'undici', 'node:http'])('called with %s', (client) => {
  it('a CLIENT span is named {method} {url.template} when the template is known; plain method otherwise', async () => {
    await get(client, `${server.origin}/users/42`);
    await get(client, `${server.origin}/plain`);
    await vi.waitFor(() => expect(tracing.spans().filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(2));
    expect(client1('/users/42').name).toBe('GET /users/{id}');
    expect(client1('/users/42').attributes['url.template']).toBe('/users/{id}');
    expect(client1('/plain').name).toBe('GET');
    expect(client1('/plain').attributes['url.template']).toBeUndefined();
  });

  it('a SERVER span takes the route from setHttpRoute, a framework instrumentation, or Express itself', async () => {
    await get(client, `${server.origin}/users/42`);
    await get(client, `${server.origin}/orders/7`);
    await get(client, `${expressOrigin}/shop/items/99`);
    await get(client, `${server.origin}/plain`);
    await vi.waitFor(() => expect(tracing.spans().filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(4));
    expect([server1('/users/42').name, server1('/users/42').attributes['http.route']]).toEqual(['GET /users/:id', '/users/:id']);
    expect([server1('/orders/7').name, server1('/orders/7').attributes['http.route']]).toEqual(['GET /orders/:orderId', '/orders/:orderId']);
    expect([server1('/shop/items/99').name, server1('/shop/items/99').attributes['http.route']]).toEqual(['GET /shop/items/:itemId', '/shop/items/:itemId']);
    expect(server1('/plain').name).toBe('GET');
    expect(server1('/plain').attributes['http.route']).toBeUndefined();
  });
});

describe('the spanName hook', () => {
  it('names a span; a hook that throws leaves the default name and says so once', async () => {
    await get('fetch', `${server.origin}/named-by-hook/1`);
    await vi.waitFor(() => expect(server1('/named-by-hook/1')).toBeDefined());
    expect(server1('/named-by-hook/1').name).toBe('handle GET /named-by-hook/:id');

    tracing.reset();
    const diagnostics = captureDiagnostics();
    try {
      hookThrows = true;
      await get('fetch', `${server.origin}/users/42`);
      await get('fetch', `${server.origin}/users/42`);
      await vi.waitFor(() => expect(tracing.spans().filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(2));
      expect(client1('/users/42').name).toBe('GET /users/{id}');
      expect(server1('/users/42').name).toBe('GET /users/:id');
      expect(diagnostics.messages.filter((m) => m.text.includes('spanName option threw'))).toHaveLength(1);
    } finally {
      hookThrows = false;
      diagnostics.restore();
    }
  });
});
