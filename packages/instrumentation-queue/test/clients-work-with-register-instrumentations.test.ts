// For every registered client: its instrumentation class, built disabled, is enabled by OpenTelemetry's
// own `registerInstrumentations` with the provider given there, takes `setConfig` on the next message,
// and the function `registerInstrumentations` returns disables it again (a client that records no span
// is checked by the run its handler sees).
import type { MessagingInstrumentationConfig } from '@agentrace/instrumentation-queue';
import { useTracing } from '@agentrace/testing/vitest';
import type { TracerProvider } from '@opentelemetry/api';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { expect, it } from 'vitest';
import { adapterOf, describeEachClient, roundTrip } from './utils/clients.js';
import { byName, currentRunId, parentId, waitFor } from './utils/runs.js';

const tracing = useTracing();

describeEachClient((client) => {
  it('is enabled by registerInstrumentations with its provider, follows setConfig, and is disabled by the returned function', async () => {
    const adapter = await adapterOf(client);
    const Class = client.instrumentation as new (config: MessagingInstrumentationConfig) => Instrumentation<MessagingInstrumentationConfig>;
    const instrumentation = new Class({ enabled: false });
    // The test provider, behind a provider object of its own: not the global one, so it must be the one used.
    let tracersAsked = 0;
    const provider: TracerProvider = {
      getTracer: (...args) => {
        tracersAsked++;
        return tracing.provider.getTracer(...args);
      },
    };
    const unregister = registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: provider });
    const session = await adapter.open(adapter.load());
    const seen = new Map<string, string | undefined>();
    try {
      await session.consume((payload) => {
        seen.set(payload, currentRunId());
      });
      await roundTrip(session, seen, 'registered');
      if (adapter.messages === 'detaches') {
        // No spans to record: enabled, the handler runs outside the subscriber's creating run; unregistered, inside it again.
        expect(seen.get('registered')).toBeUndefined();
        instrumentation.setConfig({});
        await roundTrip(session, seen, 'reconfigured');
        expect(seen.get('reconfigured')).toBeUndefined();
        unregister();
        await roundTrip(session, seen, 'unregistered');
        expect(seen.get('unregistered')).toBe(session.creatorRun);
        return;
      }
      await waitFor('process span', () => byName(tracing.spans(), session.processSpanName).length === 1);
      expect(tracersAsked).toBeGreaterThan(0);
      const run = byName(tracing.spans(), 'run registered')[0]!;
      const child = byName(tracing.spans(), session.processSpanName)[0]!;
      expect(child.spanContext().traceId).toBe(run.spanContext().traceId);
      expect(seen.get('registered')).toBe('registered');

      // setConfig: the next message starts a new trace linked to its producer, keeping the baggage.
      tracing.reset();
      instrumentation.setConfig({ consumerParent: 'link' });
      await roundTrip(session, seen, 'linked');
      await waitFor('linked process span', () => byName(tracing.spans(), session.processSpanName).length === 1);
      const linkedRun = byName(tracing.spans(), 'run linked')[0]!;
      const linked = byName(tracing.spans(), session.processSpanName)[0]!;
      const producer = session.producerSpanName === undefined ? linkedRun : byName(tracing.spans(), session.producerSpanName)[0]!;
      expect(linked.spanContext().traceId).not.toBe(linkedRun.spanContext().traceId);
      expect(parentId(linked)).toBeUndefined();
      expect(linked.links.map((l) => l.context.spanId)).toEqual([producer.spanContext().spanId]);
      expect(seen.get('linked')).toBe('linked');

      tracing.reset();
      unregister();
      await roundTrip(session, seen, 'unregistered');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(tracing.spans().map((s) => s.name)).toEqual(['run unregistered']);
    } finally {
      await session.close();
      instrumentation.disable();
    }
  });
});
