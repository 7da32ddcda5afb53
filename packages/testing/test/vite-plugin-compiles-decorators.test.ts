// `agentraceDecorators()` from @agentrace/testing/vite, called as Vite calls it: the kind of decorators
// follows the governing tsconfig (through `extends`, comments and trailing commas), files without a
// decorator are left alone, and a missing compiler or dropped metadata is said once, with the fix.
// The same plugin in a real Vite 8 project: readme-example-runs-with-the-newest-vitest-and-vite.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { agentraceDecorators, hasDecorators, type AgentraceDecoratorsOptions } from '../src/vite.js';

// esbuild and TypeScript 5 are devDependencies of this package, so they resolve from here.
const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'agentrace-vite-plugin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const probe = `let second: unknown;
function probe(...args: any[]): any { second = args[1]; }
export class Probed { @probe method(): string { return 'ran'; } }
export const flavour = typeof second === 'object' ? 'standard' : 'legacy';
`;

function project(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

async function compile(file: string, code: string, options: AgentraceDecoratorsOptions = {}, warnings: string[] = []) {
  const plugin = agentraceDecorators(options);
  plugin.configResolved({ root: packageRoot });
  return plugin.transform.call({ warn: (message: string) => warnings.push(message) }, code, file);
}

/** Runs compiled output as a module and returns what it exports. */
async function load(code: string, name: string): Promise<{ flavour: string; Probed: new () => { method(): string } }> {
  const file = join(scratch, `${name}-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  return import(pathToFileURL(file).href);
}

describe.each(['esbuild', 'typescript'] as const)('compiled with %s', (compiler) => {
  it('standard decorators where the tsconfig does not ask for legacy ones', async () => {
    const dir = project(`standard-${compiler}`, { 'tsconfig.json': '{ "compilerOptions": { "target": "ES2022" } }', 'src/agent.ts': probe });
    const out = await compile(join(dir, 'src/agent.ts'), probe, { compiler });
    expect(out).not.toBeNull();
    expect(out!.map).toContain('agent.ts');
    const mod = await load(out!.code, 'standard');
    expect(mod.flavour).toBe('standard');
    expect(new mod.Probed().method()).toBe('ran');
  });

  it('legacy decorators where an extended tsconfig (with comments and trailing commas) turns experimentalDecorators on', async () => {
    const dir = project(`legacy-${compiler}`, {
      'tsconfig.base.json': '{\n  // shared\n  "compilerOptions": { "experimentalDecorators": true, /* on */ },\n}',
      'app/tsconfig.json': '{ "extends": "../tsconfig.base", "compilerOptions": { "strict": true } }',
      'app/agent.ts': probe,
    });
    const mod = await load((await compile(join(dir, 'app/agent.ts'), probe, { compiler }))!.code, 'legacy');
    expect(mod.flavour).toBe('legacy');
  });
});

describe('what it leaves alone and what it says', () => {
  it('finds decorators in code only, not in comments and strings', () => {
    expect(hasDecorators('/** @param x the thing */ const a = "me@example.com"; // @todo')).toBe(false);
    expect(hasDecorators('class A { @step() run() {} }')).toBe(true);
    expect(hasDecorators('@agent(\'x\')\nexport class A {}')).toBe(true);
  });

  it('returns null for files without decorators, under node_modules, or not script', async () => {
    const dir = project('untouched', { 'tsconfig.json': '{}' });
    expect(await compile(join(dir, 'plain.ts'), '/** @param a */ export const a = 1;')).toBeNull();
    expect(await compile(join(dir, 'node_modules/lib/index.ts'), probe)).toBeNull();
    expect(await compile(join(dir, 'style.css'), probe)).toBeNull();
  });

  it('with esbuild, warns once that emitDecoratorMetadata is not emitted, naming the fix', async () => {
    const dir = project('metadata', { 'tsconfig.json': '{ "compilerOptions": { "experimentalDecorators": true, "emitDecoratorMetadata": true } }' });
    const warnings: string[] = [];
    const plugin = agentraceDecorators({ compiler: 'esbuild' });
    plugin.configResolved({ root: packageRoot });
    const context = { warn: (message: string) => warnings.push(message) };
    await plugin.transform.call(context, probe, join(dir, 'a.ts'));
    await plugin.transform.call(context, probe, join(dir, 'b.ts'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("agentraceDecorators({ compiler: 'typescript' })");
  });

  it('says which package to install when no compiler is there', () => {
    // In a process of its own: `pnpm exec` puts the workspace's hoisted packages on NODE_PATH.
    const empty = project('no-compiler', { 'package.json': '{}' });
    const script =
      `const { agentraceDecorators } = await import(${JSON.stringify(pathToFileURL(join(packageRoot, 'src/vite.ts')).href)});` +
      `const plugin = agentraceDecorators(); plugin.configResolved({ root: ${JSON.stringify(empty)} });` +
      `await plugin.transform('@probe class A {}', ${JSON.stringify(join(empty, 'a.ts'))}).then(() => console.log('compiled'), (e) => console.log(e.message));`;
    const { NODE_PATH: _, ...env } = process.env;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
    const out = execFileSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { cwd: empty, env, encoding: 'utf8' });
    expect(out).toContain('none is installed in');
    expect(out).toContain('run `npm install --save-dev esbuild`');
  });
});
