// A stand-in for the document store the messages point at: a plain HTTP API on a free local port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DocumentApi {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  close(): Promise<void>;
}

/** An order as JSON text. The poison document is cut off mid-way, as a truncated upload would be. */
export function orderDocument(id: string, poison = false): string {
  const n = Number(id.replace(/\D/g, '')) || 1;
  const text = JSON.stringify({ id, customer: `customer-${n}`, items: [{ sku: 'A-1', qty: n, price: 9.5 }, { sku: 'B-7', qty: 1, price: 24 }] });
  return poison ? text.slice(0, Math.floor(text.length / 2)) : text;
}

/** Serves `GET /documents/<id>` from `documents` (id → JSON text); 404 for an unknown id. */
export async function startDocumentApi(documents: ReadonlyMap<string, string>): Promise<DocumentApi> {
  const server: Server = createServer((req, res) => {
    const id = decodeURIComponent(req.url?.split('/').pop() ?? '');
    const body = documents.get(id);
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(body ?? JSON.stringify({ error: `no document ${id}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
