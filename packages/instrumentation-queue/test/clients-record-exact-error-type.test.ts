// `error.type` by the one rule of @agentrace/core, for every registered client: a handler failing with
// an Error subclass gives its class name, a thrown string `_OTHER`, a timeout `TimeoutError`, an
// abort `AbortError`; the status is ERROR with the failure's (masked) message.
import { SpanStatusCode } from '@opentelemetry/api';
import { useTracing } from '@agentrace/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import type { ClientSession } from './adapters/types.js';
import { describeEachClient, useLoadedClient } from './utils/clients.js';
import { byName, inRun, waitFor } from './utils/runs.js';
import { absorbUnhandledRejections } from './utils/unhandled-rejections.js';

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

const tracing = useTracing();
absorbUnhandledRejections();

describeEachClient((client) => {
  const loaded = useLoadedClient(client);
  let session: ClientSession;
  const failures = new Map<string, unknown>();

  beforeAll(async () => {
    session = await loaded.open();
    await session.consume((payload) => {
      throw failures.get(payload);
    });
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
