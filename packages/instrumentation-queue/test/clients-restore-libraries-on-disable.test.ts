// disable() must hand back the library untouched, whatever the order: for every registered client, two
// instances of its instrumentation class (stacked on the same library) disabled first-made first, then
// enable() and disable() again; and two handles of its explicit call, disabled first-made first
// (amqplib: a connection that opened a confirm channel and then plain channels, so the Channel class
// is patched more than once). Before, the last restore could put an earlier wrapper back, so messages
// kept being traced after every handle was disabled.
import { useTracing } from '@agentrace/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import type { ClientSession } from './adapters/types.js';
import { describeEachClient, type LoadedClient, ORIGINAL, roundTrip, useLoadedClient } from './utils/clients.js';
import { byName, currentRunId, waitFor } from './utils/runs.js';

const tracing = useTracing();

function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [ORIGINAL]?: unknown })[ORIGINAL] !== undefined;
}

describeEachClient((client) => {
  // Two instances before the library loads: the require hooks of both patch it, one on the other.
  const loaded = useLoadedClient(client, 2);
  let session: ClientSession;
  const seen = new Map<string, string | undefined>();
  let trips = 0;

  /**
   * One message through the client: traced (a process span in the run's trace; for a detaching
   * client, the handler outside the run that created the subscriber) or not at all.
   */
  async function expectTraced(traced: boolean): Promise<void> {
    tracing.reset();
    const payload = `${client.optionKey}-${++trips}`;
    await roundTrip(session, seen, payload);
    if (loaded.adapter.messages === 'detaches') {
      expect(seen.get(payload), 'the run the handler saw').toBe(traced ? undefined : session.creatorRun);
      expect(tracing.spans().map((s) => s.name)).toEqual([`run ${payload}`]);
    } else if (traced) {
      expect(seen.get(payload), 'the handler ran in the run').toBe(payload);
      await waitFor('process span', () => byName(tracing.spans(), session.processSpanName).length === 1);
      const run = byName(tracing.spans(), `run ${payload}`)[0]!;
      expect(byName(tracing.spans(), session.processSpanName)[0]!.spanContext().traceId).toBe(run.spanContext().traceId);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(tracing.spans().map((s) => s.name)).toEqual([`run ${payload}`]);
    }
  }

  beforeAll(async () => {
    session = await loaded.open();
    await session.consume((payload) => {
      seen.set(payload, currentRunId());
    });
  });
  it('puts back every patched method after two instances are disabled first-made first, and again after enable() and disable()', async () => {
    const [first, second] = loaded.instrumentations as [LoadedClient['instrumentation'], LoadedClient['instrumentation']];
    const methods = loaded.adapter.patchedMethods(loaded.lib);
    const get = (holder: object, name: string): unknown => (holder as Record<string, unknown>)[name];
    for (const [holder, name] of methods) expect(isWrapped(get(holder, name)), name).toBe(true);
    const originals = methods.map(([holder, name]) => (get(holder, name) as { [ORIGINAL]: unknown })[ORIGINAL]);
    await expectTraced(true);

    first.disable();
    for (const [holder, name] of methods) expect(isWrapped(get(holder, name)), `${name}: the second instance is still on`).toBe(true);
    await expectTraced(true);
    second.disable();
    methods.forEach(([holder, name], i) => expect(get(holder, name), name).toBe(originals[i]));
    await expectTraced(false);

    second.enable();
    for (const [holder, name] of methods) expect(isWrapped(get(holder, name)), name).toBe(true);
    await expectTraced(true);
    second.disable();
    methods.forEach(([holder, name], i) => expect(get(holder, name), name).toBe(originals[i]));
    await expectTraced(false);
  });

  it('puts back every patched method after two handles of the explicit call are disabled first-made first', async (ctx) => {
    if (!loaded.adapter.explicitHandles) return ctx.skip();
    const methods = loaded.adapter.patchedMethods(loaded.lib);
    const get = (holder: object, name: string): unknown => (holder as Record<string, unknown>)[name];
    const before = methods.map(([holder, name]) => get(holder, name));
    const { handles, close } = await loaded.adapter.explicitHandles(loaded.lib);
    try {
      expect(methods.some(([holder, name], i) => get(holder, name) !== before[i])).toBe(true);
      await expectTraced(true);
      handles[0]!.disable();
      await expectTraced(true); // the second handle is still on
      handles[1]!.disable();
      methods.forEach(([holder, name], i) => expect(get(holder, name), name).toBe(before[i]));
      await expectTraced(false);
    } finally {
      await close();
    }
  });
});
