// End to end against the real Jaeger (AGENTRACE_JAEGER_QUERY_URL / AGENTRACE_OTLP_ENDPOINT): the
// same spans go to memory and over OTLP/HTTP, and both trees pass the same assertions.
import { agent, run, step, tool } from '@agentrace/decorators';
import {
  fetchJaegerTrace,
  findNode,
  findNodes,
  formatTraceTree,
  getRunTree,
  jaegerQueryUrl,
  otlpTracesEndpoint,
  waitForTrace,
  type TraceShape,
} from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';

// A service name of its own, so parallel test files and earlier runs never match.
const service = `testing-e2e-${process.pid}-${Date.now()}`;
const tracing = useTracing({
  serviceName: service,
  spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: otlpTracesEndpoint() }))],
});

class QuotaError extends Error {
  override name = 'QuotaError';
}

@agent('triage')
class Triage {
  @step() async classify(text: string): Promise<string> {
    return text.includes('refund') ? 'billing' : 'other';
  }

  @tool({ name: 'crm_lookup' }) async lookup(_customer: string): Promise<string> {
    throw new QuotaError('CRM quota exceeded');
  }

  @run() async handle(ticket: { correlationId: string; text: string; customer: string }): Promise<string> {
    const queue = await this.classify(ticket.text);
    // The tool fails; the run carries on without it.
    const owner = await this.lookup(ticket.customer).catch(() => 'nobody');
    return `${queue}:${owner}`;
  }
}

const shape: TraceShape = {
  name: 'invoke_agent triage',
  attributes: { 'gen_ai.operation.name': 'invoke_agent', 'agentrace.correlation_id': 'ticket-1' },
  children: [
    'classify',
    { name: 'execute_tool crm_lookup', status: 'ERROR', attributes: { 'gen_ai.tool.name': 'crm_lookup', 'error.type': 'QuotaError' } },
  ],
};

describe('waitForTrace against the real Jaeger', () => {
  it('returns the run as the same tree as in memory, passing the same matchers', async () => {
    await expect(new Triage().handle({ correlationId: 'ticket-1', text: 'refund please', customer: 'c-9' })).resolves.toBe('billing:nobody');
    await tracing.provider.forceFlush();

    const local = getRunTree(tracing, 'ticket-1');
    const stored = await waitForTrace({ service, root: 'invoke_agent triage', minSpans: 3 });

    for (const tree of [local, stored]) {
      expect(tree).toHaveTraceShape(shape, { ordered: true });
      expect(tree).toHaveNoOrphanSpans();
      expect(tree).toHaveNoCrossRunSpans();
      expect(findNode(tree, { name: 'execute_tool crm_lookup' })).toHaveExceptionEvent(QuotaError, { message: 'CRM quota exceeded' });
    }
    expect(stored.traceId).toBe(local.traceId);
    expect(stored.roots[0]!.serviceName).toBe(service);
    // Everything the printer shows survives the trip through Jaeger.
    const print = (tree: typeof local) => formatTraceTree(tree, { durations: false, attributes: 'all' });
    expect(print(stored)).toBe(print(local));

    // The same trace by id, through both entry points.
    expect(print(await waitForTrace({ traceId: local.traceId }))).toBe(print(local));
    expect(print((await fetchJaegerTrace(local.traceId))!)).toBe(print(local));
  });

  it('waits until a condition holds, and gives undefined for a trace Jaeger does not have', async () => {
    await new Triage().handle({ correlationId: 'ticket-2', text: 'hello', customer: 'c-1' });
    await tracing.provider.forceFlush();
    const tree = await waitForTrace({
      service,
      root: /^invoke_agent/,
      until: (t) => findNodes(t, { attributes: { 'agentrace.correlation_id': 'ticket-2' } }).length > 0,
    });
    expect(tree.roots[0]!.attributes['agentrace.correlation_id']).toBe('ticket-2');
    expect(await fetchJaegerTrace('0123456789abcdef0123456789abcdef')).toBeUndefined();
  });

  it('times out with what Jaeger had, or with why the request failed', async () => {
    await expect(waitForTrace({ service, root: 'no such root', timeoutMs: 300 })).rejects.toThrow(
      new RegExp(
        `^Timed out after 300 ms waiting for a trace of service "${service}" with root "no such root" at ${jaegerQueryUrl().replace(/[.]/g, '\\.')}; ` +
          'Jaeger had 2 traces:\\n\\ntrace [0-9a-f]{32}\\ninvoke_agent triage',
      ),
    );
    const port = await closedPort();
    await expect(waitForTrace({ service, timeoutMs: 200, jaegerUrl: `http://127.0.0.1:${port}` })).rejects.toThrow(
      `Timed out after 200 ms waiting for a trace of service "${service}" at http://127.0.0.1:${port}; the last request failed: ` +
        `Could not reach Jaeger's query API at http://127.0.0.1:${port}/api/traces?service=${service}&limit=20&lookback=1h: fetch failed (connect ECONNREFUSED 127.0.0.1:${port}). ` +
        `Check that Jaeger is running and that the URL given (http://127.0.0.1:${port}) is its query address (port 16686).`,
    );
    await expect(waitForTrace({})).rejects.toThrow('waitForTrace needs `service` (a service name to search) or `traceId`; got neither.');
    // A bad argument fails at once rather than after the timeout.
    await expect(waitForTrace({ traceId: 'not-a-trace-id', timeoutMs: 60_000 })).rejects.toThrow(
      'fetchJaegerTraces: option traceIds takes hex trace ids of up to 32 digits; got "not-a-trace-id".',
    );
  });
});

/** A loopback port nothing listens on (just freed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
