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

it('instruments BullMQ and amqplib when instrumentQueues runs before they are required (CommonJS build)', () => {
  expect(run([fixture('hooks-cjs.cjs')])).toEqual({
    queueAdd: true,
    workerProcessJob: true,
    flowAdd: true,
    channelConsume: true,
    confirmPublish: true,
    disabled: true,
  });
});

it('instruments BullMQ and amqplib imported from ESM with no loader flag, and the explicit call works too (ESM build)', () => {
  const expected = { queueAdd: true, channelConsume: true, confirmPublish: true, explicitQueueAdd: true };
  expect(run([fixture('hooks-esm.mjs')])).toEqual(expected);
  // With the import-in-the-middle loader registered the result is the same (no double patching).
  expect(run(['--import', '@opentelemetry/instrumentation/hook.mjs', fixture('hooks-esm.mjs')])).toEqual(expected);
});
