// Vitest global setup: the suite runs against real Jaeger, Redis and RabbitMQ. Starts the ones not
// already answering and stops, at the end, only those it started. AGENTRACE_SERVICES narrows the list
// (comma-separated, or `none`).
import { down, serviceNames, up } from './services.mjs';

export default async function setup(): Promise<() => Promise<void>> {
  const wanted = process.env.AGENTRACE_SERVICES;
  const names = wanted === undefined ? serviceNames : wanted === 'none' ? [] : wanted.split(',').map((s) => s.trim()).filter(Boolean);
  // The tests need no Jaeger UI: nothing is fetched for it here (a cached one is still served).
  process.env.AGENTRACE_JAEGER_UI_FETCH ??= '0';
  const started = await up(names);
  return async () => {
    if (process.env.AGENTRACE_KEEP_SERVICES !== '1') await down(started);
  };
}
