import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '@agentrace/testing';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');
const app = fileURLToPath(new URL('./fixtures/exit-app.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('../../../tsconfig.test.json', import.meta.url));

function runApp(mode: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', tsx, app, mode], {
    env: { ...process.env, ...env, TSX_TSCONFIG_PATH: tsconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const ready = new Promise<void>((resolve) => child.stdout.on('data', () => stdout.includes('ready') && resolve()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('final export', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('exports spans ended just before %s, then dies by that signal', async (signal) => {
    receiver = await startOtlpReceiver();
    const run = runApp('signal', { RECEIVER_URL: receiver.url });
    await run.ready;
    run.child.kill(signal);
    const { signal: got } = await run.exited;
    expect(got, run.output().stderr).toBe(signal);
    expect(receiver.spans().map((s) => s.name).sort()).toEqual(['span-0', 'span-1', 'span-2', 'span-3', 'span-4']);
  });

  it.each([
    ['at normal exit (beforeExit) and exits with code 0', 'exit', 0],
    ['ended before process.exit(), keeping its exit code', 'process-exit', 3],
  ])('exports spans %s', async (_when, mode, exitCode) => {
    receiver = await startOtlpReceiver();
    const run = runApp(mode, { RECEIVER_URL: receiver.url });
    const { code } = await run.exited;
    expect(code, run.output().stderr).toBe(exitCode);
    expect(receiver.spans()).toHaveLength(5);
  });

  it('exports spans ended before an uncaught exception, and the process still crashes as it would', async () => {
    receiver = await startOtlpReceiver();
    const run = runApp('throw', { RECEIVER_URL: receiver.url });
    const { code } = await run.exited;
    expect(code).toBe(1);
    // Node's own report of the crash is unchanged.
    expect(run.output().stderr).toMatch(/Error: the agent crashed\n\s+at /);
    expect(receiver.spans()).toHaveLength(5);
  });

  it('an uncaught exception with a hung endpoint still ends the process, with the loss counted', async () => {
    receiver = await startOtlpReceiver({ respond: false });
    const run = runApp('throw', { RECEIVER_URL: receiver.url, SHUTDOWN_TIMEOUT: '300' });
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.output().stderr).toContain('5 spans dropped');
    expect(run.output().stderr).toContain('lost at shutdown 5');
  });

  it('does not keep the process alive when the endpoint never answers', async () => {
    receiver = await startOtlpReceiver({ respond: false });
    const run = runApp('exit', { RECEIVER_URL: receiver.url, SHUTDOWN_TIMEOUT: '300' });
    const { code } = await run.exited;
    expect(code).toBe(0);
    expect(receiver.requests()).toBeGreaterThan(0);
    expect(run.output().stderr).toContain('final export still running after 300 ms; exiting without it');
  });

  it('a SIGTERM with a hung endpoint still ends the process', async () => {
    receiver = await startOtlpReceiver({ respond: false });
    const run = runApp('signal', { RECEIVER_URL: receiver.url, SHUTDOWN_TIMEOUT: '300' });
    await run.ready;
    run.child.kill('SIGTERM');
    expect((await run.exited).signal).toBe('SIGTERM');
  });
});
