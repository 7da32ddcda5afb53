// The OTLP export in its worker thread (the default) keeps what the in-thread batch processor
// promises: every span exported, pending or counted by cause, readable synchronously from stats();
// drops reported through the user's logger; overflow 'wait' holds callers until there is room.
import { trace } from '@opentelemetry/api';
import { afterEach, expect, it } from 'vitest';
import { init, type TracerHandle } from '@agentrace/tracer';
import { startScriptedEndpoint, type ScriptedEndpoint } from './utils/scripted-endpoint.js';

let handle: TracerHandle | undefined;
let endpoint: ScriptedEndpoint | undefined;
afterEach(async () => {
  await handle?.shutdown();
  await endpoint?.close();
  handle = undefined;
  endpoint = undefined;
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

it('counts every span by cause while the endpoint fails, and reports the drops through the logger', async () => {
  endpoint = await startScriptedEndpoint(() => 503);
  const warnings: string[] = [];
  handle = init({
    serviceName: 'worker-accounting',
    endpoint: endpoint.url,
    exportThread: 'worker',
    batch: { maxQueueSize: 800, maxExportBatchSize: 100, scheduledDelayMillis: 10 },
    logger: { error: (m) => warnings.push(m), warn: (m) => warnings.push(m) },
    handleExit: false,
    http: false,
    queues: false,
  });
  const tracer = trace.getTracer('t');
  for (let i = 0; i < 3000; i++) tracer.startSpan(`s${i}`).end();
  await until(() => handle!.stats().dropped.queueFull > 0 && handle!.stats().failedExports > 0, 'a drop and a failed request');
  const s = handle.stats();
  expect(s.exported + s.pending + s.dropped.total).toBe(3000);
  await until(() => warnings.some((w) => /spans dropped .*queue full/.test(w)), 'the drop report');
  // The endpoint comes back: what was kept is sent.
  endpoint.answer = () => 200;
  await until(() => handle!.stats().pending === 0, 'the queue drained');
  const after = handle.stats();
  expect(after.exported).toBeGreaterThan(0);
  expect(after.exported + after.dropped.total).toBe(3000);
  expect(endpoint.requests.filter((n) => n > 0).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(after.exported);
});

it("with overflow 'wait', a producer that awaits waitForCapacity() loses nothing", async () => {
  endpoint = await startScriptedEndpoint(() => 200);
  handle = init({
    serviceName: 'worker-wait',
    endpoint: endpoint.url,
    exportThread: 'worker',
    batch: { maxQueueSize: 500, maxExportBatchSize: 100, scheduledDelayMillis: 10, overflow: 'wait' },
    handleExit: false,
    http: false,
    queues: false,
  });
  const tracer = trace.getTracer('t');
  for (let round = 0; round < 40; round++) {
    await handle.waitForCapacity();
    for (let i = 0; i < 200; i++) tracer.startSpan(`r${round}-${i}`).end();
  }
  await handle.forceFlush();
  const s = handle.stats();
  expect(s.dropped.total).toBe(0);
  expect(s.exported).toBe(8000);
});
