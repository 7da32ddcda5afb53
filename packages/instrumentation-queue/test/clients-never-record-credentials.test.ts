// For every registered client: a message whose handler fails with credentials in its error text is
// recorded with them masked (status, failure reason, exception event), the payload (itself holding a
// secret) is never recorded at all, and the handler's error object itself is left as it was. The real
// brokers are checked end to end, through the exporter and Jaeger, in
// reliability/test/planted-secrets-never-reach-jaeger.test.ts.
import { SpanStatusCode } from '@opentelemetry/api';
import { useTracing } from '@agentrace/testing/vitest';
import { expect, it } from 'vitest';
import { describeEachClient, useLoadedClient } from './utils/clients.js';
import { byName, inRun, waitFor } from './utils/runs.js';
import { absorbUnhandledRejections } from './utils/unhandled-rejections.js';

const SECRETS = /t0k-secret-1|abcdefghijklmnop|hunter2-payload-secret/;
const MASKED = 'sync refused: token=REDACTED, Authorization: Bearer REDACTED';

const tracing = useTracing();
absorbUnhandledRejections();

describeEachClient((client) => {
  const loaded = useLoadedClient(client);

  it('records a failed message with the credentials in its error masked, and never records the payload', async (ctx) => {
    if (loaded.adapter.messages === 'detaches') return ctx.skip(); // records no span, so nothing to mask
    const s = await loaded.open();
    const boom = new Error('sync refused: token=t0k-secret-1, Authorization: Bearer abcdefghijklmnop');
    const handled: string[] = [];
    await s.consume((payload) => {
      handled.push(payload);
      throw boom;
    });
    const payload = 'order 7, password=hunter2-payload-secret';
    await inRun('run-secret', () => s.publish(payload));
    await waitFor('the failed process span', () => byName(tracing.spans(), s.processSpanName).length === 1);

    expect(handled).toEqual([payload]);
    const span = byName(tracing.spans(), s.processSpanName)[0]!;
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: MASKED });
    expect(span.attributes['agentrace.messaging.failure_reason']).toBe(MASKED);
    const event = span.events.find((e) => e.name === 'exception')!;
    expect(event.attributes?.['exception.message']).toBe(MASKED);
    expect(String(event.attributes?.['exception.stacktrace'])).toContain(MASKED);
    const everything = tracing.spans().map((s) => [s.name, s.attributes, s.events, s.status, s.links]);
    expect(JSON.stringify(everything)).not.toMatch(SECRETS);
    // The program's own error is untouched.
    expect(boom.message).toContain('t0k-secret-1');
  });
});
