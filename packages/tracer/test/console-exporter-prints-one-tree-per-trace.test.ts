import { context, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { init, type TracerHandle } from '@agentrace/tracer';

let handle: TracerHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

function start(): { out: string[]; tracer: Tracer } {
  const out: string[] = [];
  handle = init({ serviceName: 'console', exporter: 'console', console: { write: (t) => out.push(t) }, handleExit: false, http: false, queues: false });
  return { out, tracer: trace.getTracer('console-test') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('console exporter', () => {
  it('prints a finished trace as one indented tree with status, attributes and events', async () => {
    const { out, tracer } = start();
    await tracer.startActiveSpan('handle order', async (root) => {
      root.setAttribute('order.id', 'o-1');
      await tracer.startActiveSpan('fetch customer', async (child) => {
        await tracer.startActiveSpan('crm lookup', async (leaf) => {
          leaf.addEvent('cache miss');
          leaf.recordException(new RangeError('no such customer'));
          leaf.setStatus({ code: SpanStatusCode.ERROR, message: 'no such customer' });
          leaf.end();
        });
        child.end();
      });
      root.end();
    });
    expect(out).toHaveLength(1);
    const text = out[0]!;
    const lines = text.split('\n');
    const at = (name: string) => lines.findIndex((l) => l.includes(name));
    expect(at('handle order')).toBeLessThan(at('fetch customer'));
    expect(at('fetch customer')).toBeLessThan(at('crm lookup'));
    const indent = (name: string) => lines[at(name)]!.indexOf(name);
    expect(indent('handle order')).toBeLessThan(indent('fetch customer'));
    expect(indent('fetch customer')).toBeLessThan(indent('crm lookup'));
    expect(text).toContain('ERROR');
    expect(text).toContain('no such customer');
    expect(text).toContain('cache miss');
    expect(text).toMatch(/\d+(\.\d+)?\s*(ms|µs|s)/);
    expect(text).toContain(root_trace_id_of(text));
  });

  it('never interleaves concurrent runs: each trace printed whole, once', async () => {
    const { out, tracer } = start();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        tracer.startActiveSpan(`run-${i}`, async (root) => {
          await sleep(Math.random() * 10);
          await tracer.startActiveSpan(`step-${i}`, async (s) => {
            await sleep(Math.random() * 10);
            s.end();
          });
          root.end();
        }),
      ),
    );
    expect(out).toHaveLength(20);
    for (const text of out) {
      const i = /run-(\d+)/.exec(text)![1];
      expect(text).toContain(`step-${i}`);
      expect(text.match(/run-\d+/g)).toHaveLength(1);
    }
  });

  it('prints a call this process makes to itself (a remote parent here) within the caller tree', async () => {
    const { out, tracer } = start();
    await tracer.startActiveSpan('caller', async (root) => {
      const client = tracer.startSpan('GET client');
      // What an HTTP server span sees: the client's context, extracted from headers, so remote.
      const remote = trace.setSpanContext(context.active(), { ...client.spanContext(), isRemote: true });
      tracer.startSpan('GET server', {}, remote).end();
      client.end();
      root.end();
    });
    expect(out).toHaveLength(1);
    const lines = out[0]!.split('\n');
    const server = lines.find((l) => l.includes('GET server'))!;
    const client = lines.find((l) => l.includes('GET client'))!;
    expect(server.indexOf('GET server')).toBeGreaterThan(client.indexOf('GET client'));
  });

  it('prints spans whose root never ended at flush, marked as such', async () => {
    const { out, tracer } = start();
    const root = tracer.startSpan('still running');
    tracer.startSpan('finished child', {}, trace.setSpan(context.active(), root)).end();
    expect(out).toHaveLength(0);
    await handle!.forceFlush();
    expect(out).toHaveLength(1);
    expect(out[0]).toContain('(root still open)');
    expect(out[0]).toContain('finished child');
    root.end();
  });
});

function root_trace_id_of(text: string): string {
  return /trace ([0-9a-f]{32})/.exec(text)?.[1] ?? 'no trace id printed';
}

describe('console exporter, late spans', () => {
  it('prints a span that started after its parent ended under that parent, marked late, not as an orphan', async () => {
    const { out, tracer } = start();
    let later: () => void = () => {};
    const scheduled = new Promise<void>((resolve) => (later = resolve));
    tracer.startActiveSpan('handle order', (root) => {
      // A timer the run leaves behind fires after the run's span ended.
      setTimeout(() => {
        tracer.startActiveSpan('late retry', (span) => span.end());
        later();
      }, 5);
      root.end();
    });
    await scheduled;
    expect(out).toHaveLength(2);
    expect(out[1]).toContain('(late spans)');
    expect(out[1]).toContain('handle order  (printed above');
    expect(out[1]).toMatch(/└─ late retry .*\(late: started after its parent ended\)/);
    expect(out[1]).not.toContain('orphan');
  });
});
