// `error.type` by the one rule of @agentrace/core, for every registered client: a handler failing with
// an Error subclass gives its class name, a thrown string `_OTHER`, a timeout `TimeoutError`, an
// abort `AbortError`; the status is ERROR with the failure's (masked) message.
import { SpanStatusCode } from '@opentelemetry/api';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientSession } from './adapters/types.js';
import { type LoadedClient, loadClient, QUEUE_CLIENTS } from './utils/clients.js';
import { byName, inRun, waitFor } from './utils/runs.js';

class ToolRefusedError extends Error {
  override name = 'ToolRefusedError';
}

/** A failure kind: what the handler throws, and the `error.type` it must give. */
const FAILURES: Array<{ kind: string; make: () => unknown; errorType: string }> = [
  { kind: 'an Error subclass', make: () => new ToolRefusedError('the tool refused'), errorType: 'ToolRefusedError' },
  { kind: 'a thrown string', make: () => 'plain string failure', errorType: '_OTHER' },
  { kind: 'a timeout (AbortSignal.timeout)', make: () => new DOMException('The operation was aborted due to timeout', 'TimeoutError'), errorType: 'TimeoutError' },
  {
    kind: 'an abort (AbortController.abort)',
    make: () => {
      const controller = new AbortController();
      controller.abort();
      return controller.signal.reason;
    },
    errorType: 'AbortError',
  },
];

let tracing: TestTracing;
// A consume callback that rejects is an unhandled rejection for amqplib, with or without agentrace.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  tracing = setupTracing();
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await tracing.shutdown();
});
beforeEach(() => tracing.reset());

for (const client of QUEUE_CLIENTS) {
  describe(client.optionKey, () => {
    let loaded: LoadedClient;
    let session: ClientSession;
    const failures = new Map<string, unknown>();

    beforeAll(async () => {
      loaded = await loadClient(client);
      session = await loaded.adapter.open(loaded.lib);
      await session.consume((payload) => {
        throw failures.get(payload);
      });
    });
    afterAll(async () => {
      await session?.close();
      loaded?.instrumentation.disable();
    });

    for (const failure of FAILURES) {
      it(`records ${failure.kind} as error.type ${failure.errorType}`, async (ctx) => {
        if (loaded.adapter.messages === 'detaches') return ctx.skip(); // records no span to carry it
        const payload = `${client.optionKey}: ${failure.kind}`;
        const thrown = failure.make();
        failures.set(payload, thrown);
        await inRun(payload, () => session.publish(payload));
        await waitFor('the failed process span', () => byName(tracing.spans(), session.processSpanName).length === 1);
        const span = byName(tracing.spans(), session.processSpanName)[0]!;
        expect(span.attributes['error.type']).toBe(failure.errorType);
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
        const message = typeof thrown === 'string' ? thrown : (thrown as Error).message;
        expect(span.attributes['agentrace.messaging.failure_reason']).toBe(message);
        expect(span.events.filter((e) => e.name === 'exception')).toHaveLength(1);
      });
    }
  });
}
