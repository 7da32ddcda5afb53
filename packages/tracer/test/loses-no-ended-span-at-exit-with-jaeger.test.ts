// Issue 8, shutdown: however the process ends, the spans it had ended are all in Jaeger (the queue was
// not full and Jaeger was up). 3,000 spans each: more than two export batches, so part of them is in
// flight or queued when the exit comes.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fetchJaegerTraces } from '@agentrace/core/jaeger';
import { otlpTracesEndpoint } from '@agentrace/testing';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');
const app = fileURLToPath(new URL('./fixtures/exit-app.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('../../../tsconfig.test.json', import.meta.url));
const SPANS = 3000;

function run(mode: string, signal: NodeJS.Signals | undefined, serviceName: string) {
  const child = spawn(process.execPath, ['--import', tsx, app, mode], {
    env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig, RECEIVER_URL: otlpTracesEndpoint(), SERVICE_NAME: serviceName, SPANS: String(SPANS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => {
    stdout += d;
    if (signal && stdout.includes('ready')) child.kill(signal);
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, sig) => resolve({ code, signal: sig, stderr })),
  );
}

/** Span count Jaeger holds for the service (each span is a trace of its own here). */
async function storedSpans(serviceName: string): Promise<number> {
  let count = 0;
  // Jaeger indexes what it received asynchronously: poll until the count stops short of nothing.
  for (let attempt = 0; attempt < 40; attempt++) {
    const traces = await fetchJaegerTraces({ service: serviceName, limit: SPANS * 2 });
    count = traces.reduce((n, t) => n + t.spans.length, 0);
    if (count >= SPANS) return count;
    await new Promise((r) => setTimeout(r, 250));
  }
  return count;
}

describe('no ended span is lost at exit (real Jaeger)', () => {
  const cases: [string, string, NodeJS.Signals | undefined, number | null][] = [
    ['SIGTERM', 'signal', 'SIGTERM', null],
    ['SIGINT', 'signal', 'SIGINT', null],
    ['normal exit (beforeExit)', 'exit', undefined, 0],
    ['an uncaught exception', 'throw', undefined, 1],
    ['process.exit(3)', 'process-exit', undefined, 3],
  ];
  it.each(cases)(`%s: all ${SPANS} spans reach Jaeger`, async (_label, mode, signal, code) => {
    const serviceName = `exit-${mode}-${signal ?? 'none'}-${randomUUID().slice(0, 8)}`;
    const result = await run(mode, signal, serviceName);
    if (signal) expect(result.signal, result.stderr).toBe(signal);
    else expect(result.code, result.stderr).toBe(code);
    expect(result.stderr).not.toContain('dropped');
    expect(await storedSpans(serviceName)).toBe(SPANS);
  });
});
