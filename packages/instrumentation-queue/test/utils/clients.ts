import type { Instrumentation } from '@opentelemetry/instrumentation';
import { afterAll, beforeAll, describe } from 'vitest';
import { QUEUE_CLIENTS, type RegisteredQueueClient } from '../../src/registry.js';
import type { ClientLibrary, ClientSession, ClientTestAdapter, SessionOptions } from '../adapters/types.js';
import { inRun, waitFor } from './runs.js';

export { QUEUE_CLIENTS, type RegisteredQueueClient };

/** Marks a wrapper of this package (wrap.ts); its value is the wrapped original. */
export const ORIGINAL = Symbol.for('agentrace.instrumentation-queue.original');

/** The test adapter of a registered client: `test/adapters/{optionKey}.ts`, exporting `adapter`. */
export async function adapterOf(client: RegisteredQueueClient): Promise<ClientTestAdapter> {
  let module: { adapter?: ClientTestAdapter };
  try {
    module = (await import(`../adapters/${client.optionKey}.ts`)) as { adapter?: ClientTestAdapter };
  } catch (error) {
    throw new Error(`client ${client.optionKey} is registered but has no test adapter: add test/adapters/${client.optionKey}.ts exporting \`adapter\``, { cause: error });
  }
  if (!module.adapter) throw new Error(`test/adapters/${client.optionKey}.ts must export \`adapter\``);
  return module.adapter;
}

/** A client ready to drive: its adapter, an enabled instrumentation, and the library loaded after it (so the hooks patched it). */
export interface LoadedClient {
  adapter: ClientTestAdapter;
  instrumentation: Instrumentation;
  lib: ClientLibrary;
}

export async function loadClient(client: RegisteredQueueClient, instances = 1): Promise<LoadedClient & { instrumentations: Instrumentation[] }> {
  const adapter = await adapterOf(client);
  const Class = client.instrumentation as new () => Instrumentation;
  const instrumentations = Array.from({ length: instances }, () => new Class());
  return { adapter, instrumentation: instrumentations[0]!, instrumentations, lib: adapter.load() };
}

/** Runs `tests` in a `describe` named after each registered client. */
export function describeEachClient(tests: (client: RegisteredQueueClient) => void): void {
  for (const client of QUEUE_CLIENTS) describe(client.optionKey, () => tests(client));
}

/** A client loaded for the tests of one `describe`; its fields are set once the `beforeAll` has run. */
export interface ClientUnderTest extends LoadedClient {
  instrumentations: Instrumentation[];
  /** Opens a session on the loaded library; it is closed after the last test of the `describe`. */
  open(options?: SessionOptions): Promise<ClientSession>;
}

/**
 * Loads `client` (with `instances` instances of its instrumentation) before the tests of the enclosing
 * `describe`; after them, closes the sessions they opened and disables every instance.
 */
export function useLoadedClient(client: RegisteredQueueClient, instances = 1): ClientUnderTest {
  const sessions: ClientSession[] = [];
  const loaded = {
    async open(options?: SessionOptions): Promise<ClientSession> {
      const session = await loaded.adapter.open(loaded.lib, options);
      sessions.push(session);
      return session;
    },
  } as ClientUnderTest;
  beforeAll(async () => {
    Object.assign(loaded, await loadClient(client, instances));
  });
  afterAll(async () => {
    for (const session of sessions) await session.close();
    for (const instrumentation of loaded.instrumentations ?? []) instrumentation.disable();
  });
  return loaded;
}

/**
 * Publishes `payload` from a run of its own and resolves once the consumer's handler saw it (`seen` is
 * what the session's handler fills, payload to the run id it saw).
 */
export async function roundTrip(session: ClientSession, seen: Map<string, string | undefined>, payload: string): Promise<void> {
  await inRun(payload, () => session.publish(payload));
  await waitFor(`${payload} handled`, () => seen.has(payload));
}
