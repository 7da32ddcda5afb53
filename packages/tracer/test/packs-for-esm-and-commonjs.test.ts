// The published shape: packed tarballs install into a scratch ESM project and a scratch CommonJS
// project, which both type-check against the shipped declarations and run `init`, and both preload
// `@agentrace/tracer/register` with no code change.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmInstallTarballs, packWorkspacePackages, withWorkspaceDependencies } from '../../../scripts/pack-workspace.js';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
let scratch: string;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

const source = `import { init, type TracerHandle } from '@agentrace/tracer';
const handle: TracerHandle = init({ serviceName: 'packaged', exporter: 'console', handleExit: false });
handle.shutdown().then(() => console.log('init ok', handle.enabled));
`;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'agentrace-pack-'));
  // The tracer and every workspace package it needs, built and packed; npm resolves them to these tarballs.
  const packed = packWorkspacePackages(withWorkspaceDependencies('@agentrace/tracer'), join(scratch, 'tarballs'));
  npmInstallTarballs(scratch, packed, ['@agentrace/tracer']);
  for (const [dir, type, file] of [['esm', 'module', 'main.mts'], ['cjs', 'commonjs', 'main.cts']] as const) {
    mkdirSync(join(scratch, dir));
    writeFileSync(join(scratch, dir, 'package.json'), JSON.stringify({ type }));
    writeFileSync(join(scratch, dir, file), source);
    writeFileSync(
      join(scratch, dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, types: [], skipLibCheck: true, outDir: 'out' }, files: [file] }),
    );
  }
}, 240_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.each([
  ['esm', 'out/main.mjs'],
  ['cjs', 'out/main.cjs'],
])('a %s consumer', (dir, output) => {
  it('type-checks against the shipped declarations and runs init', () => {
    const cwd = join(scratch, dir);
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], cwd);
    expect(run(process.execPath, [output], cwd)).toContain('init ok true');
  });

  it('is traced with no code change by preloading the register entry', () => {
    const cwd = join(scratch, dir);
    const flag = dir === 'esm' ? '--import' : '--require';
    const app = `require('node:fs'); const api = ${dir === 'esm' ? "await import('@opentelemetry/api')" : "require('@opentelemetry/api')"}; api.trace.getTracer('app').startSpan('preloaded work').end();`;
    const script = join(cwd, dir === 'esm' ? 'app.mjs' : 'app.cjs');
    writeFileSync(script, dir === 'esm' ? `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${app}` : app);
    const out = run(process.execPath, [flag, '@agentrace/tracer/register', script], cwd, {
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_SERVICE_NAME: `preload-${dir}`,
    });
    expect(out).toContain('preloaded work');
  });
});
