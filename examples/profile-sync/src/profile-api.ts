// A stand-in for the identity provider the profiles come from: GET /profiles/<userId>.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Profile {
  userId: string;
  name: string;
  email: string;
  plan: string;
}

export async function startProfileApi(profiles: ReadonlyMap<string, Profile>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const profile = profiles.get(decodeURIComponent(req.url?.split('/').pop() ?? ''));
    res.writeHead(profile ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(profile ?? { error: 'no such user' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
