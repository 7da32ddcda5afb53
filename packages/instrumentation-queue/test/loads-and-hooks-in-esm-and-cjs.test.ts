import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function run(args: string[]): Record<string, boolean> {
  const out = execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8', env: process.env });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, boolean>;
}

beforeAll(() => {
  // The built package is what users load; build it (serialised with the other builds on this machine).
  execFileSync('flock', ['/tmp/agentrace-build.lock', process.execPath, '../../scripts/build-package.mjs'], { cwd: packageDir, stdio: 'pipe' });
}, 180_000);

it('instruments BullMQ, amqplib, fastq and ioredis when instrumentQueues runs before they are required (CommonJS build)', () => {
  expect(run([fixture('hooks-cjs.cjs')])).toEqual({
    queueAdd: true,
    workerProcessJob: true,
    flowAdd: true,
    channelConsume: true,
    confirmPublish: true,
    queueEventsEmit: true,
    connectionEmit: true,
    redisEmit: true,
    fastqTaskInItsRun: true,
    disabled: true,
  });
});

it('instruments BullMQ, amqplib and ioredis imported from ESM with no loader flag, and the explicit call works too (ESM build)', () => {
  // p-queue is an ES module: without the import-in-the-middle loader no hook sees it load.
  expect(run([fixture('hooks-esm.mjs')])).toEqual({
    queueAdd: true,
    channelConsume: true,
    confirmPublish: true,
    pQueueAdd: false,
    redisEmit: true,
    pQueueTaskInItsRun: false,
    explicitQueueAdd: true,
    disabled: true,
  });
});

it('with the import-in-the-middle loader registered, also instruments p-queue, and BullMQ and amqplib are patched once (ESM build)', () => {
  expect(run(['--import', fixture('register-loader.mjs'), fixture('hooks-esm.mjs')])).toEqual({
    queueAdd: true,
    channelConsume: true,
    confirmPublish: true,
    pQueueAdd: true,
    redisEmit: true,
    pQueueTaskInItsRun: true,
    explicitQueueAdd: true,
    disabled: true,
  });
});
