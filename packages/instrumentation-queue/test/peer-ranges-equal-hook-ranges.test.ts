import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { QUEUE_CLIENTS } from '../src/registry.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { peerDependencies: Record<string, string> };

it('declares each hooked module as an optional peer with exactly the range its hooks patch', () => {
  const hooked = Object.fromEntries(QUEUE_CLIENTS.flatMap((client) => client.modules.map((m) => [m.name, m.versions.join(' || ')])));
  const peers = Object.fromEntries(Object.entries(pkg.peerDependencies).filter(([name]) => name !== '@opentelemetry/api'));
  expect(peers).toEqual(hooked);
});
