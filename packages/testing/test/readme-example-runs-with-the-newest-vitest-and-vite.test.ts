// What a new user gets: the packed kit and decorators installed with plain npm into a scratch project
// beside the newest vitest and Vite that npm gives this Node (vitest 4 on Vite 8 for Node 20, vitest 5
// on Node 22 and 24), with the vitest.config.ts the README shows. The README's example runs there
// under standard (TC39) decorators and under `experimentalDecorators`, and type-checks with the newest
// TypeScript. npm's downloads are cached outside the repo (scripts/pack-workspace.ts, npmCacheDir).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installedPackages,
  newestVersionForThisNode,
  npmInstallTarballs,
  packWorkspacePackages,
  withWorkspaceDependencies,
} from '../../../scripts/pack-workspace.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const block = (first: string): string => {
  const found = new RegExp('```ts\\n// ' + first.replace('.', '\\.') + '\\n([\\s\\S]*?)```').exec(readme)?.[1];
  if (!found) throw new Error(`packages/testing/README.md has no ts block starting with // ${first}`);
  return found;
};

// Which decorators the compiled code got: a standard decorator receives a context object as its second
// argument, a legacy one the property key.
const flavourProbe = (expected: 'standard' | 'legacy'): string => `import { expect, it } from 'vitest';
let second: unknown;
function probe(...args: any[]): any { second = args[1]; }
class Probed { @probe method(): void {} }
it('compiles ${expected} decorators', () => {
  void Probed;
  expect(typeof second === 'object' ? 'standard' : 'legacy').toBe('${expected}');
});
`;

const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, noEmit: true, types: [] };

let scratch: string;
let project: string;
let versions: Record<string, string>;

// A clean environment for the inner vitest: none of this run's vitest variables.
const childEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST'));

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'agentrace-newest-vitest-'));
  const names = [...new Set([...withWorkspaceDependencies('@agentrace/testing'), ...withWorkspaceDependencies('@agentrace/decorators')])];
  const packed = packWorkspacePackages(names, join(scratch, 'tarballs'));
  versions = {
    vitest: newestVersionForThisNode('vitest'),
    vite: newestVersionForThisNode('vite'),
    esbuild: newestVersionForThisNode('esbuild'),
    typescript: newestVersionForThisNode('typescript'),
    '@opentelemetry/api': newestVersionForThisNode('@opentelemetry/api'),
  };
  project = join(scratch, 'project');
  mkdirSync(project);
  npmInstallTarballs(project, packed, ['@agentrace/testing', '@agentrace/decorators'], versions);
  const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ ...pkg, type: 'module' }, null, 2));
  writeFileSync(join(project, 'vitest.config.ts'), block('vitest.config.ts'));
  for (const [dir, legacy] of [['tc39', false], ['legacy', true]] as const) {
    mkdirSync(join(project, dir));
    writeFileSync(join(project, dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, experimentalDecorators: legacy } }));
    writeFileSync(join(project, dir, 'support-agent.test.ts'), block('support-agent.test.ts'));
    writeFileSync(join(project, dir, 'flavour.test.ts'), flavourProbe(legacy ? 'legacy' : 'standard'));
  }
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['vitest.config.ts'] }));
}, 600_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the testing README example in a fresh npm project', () => {
  it('has the newest vitest and Vite for this Node, and Vite 8 or later', () => {
    const installed = installedPackages(project);
    for (const name of ['vitest', 'vite', 'esbuild', 'typescript']) expect(installed.get(name)?.version, name).toBe(versions[name]);
    // The case the plugin exists for: Vite 8 compiles TypeScript with oxc.
    expect(Number(versions.vite!.split('.')[0])).toBeGreaterThanOrEqual(8);
  });

  it('passes under standard and legacy decorators with agentraceDecorators() in vitest.config.ts', () => {
    const report = join(scratch, 'report.json');
    let output = '';
    try {
      output = execFileSync(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=json', `--outputFile=${report}`], {
        cwd: project,
        env: childEnv(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      output = `${stdout ?? ''}\n${stderr ?? ''}`;
    }
    const result = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numFailedTestSuites: number;
      testResults: { name: string; status: string }[];
    };
    expect(result.numFailedTestSuites, output).toBe(0);
    expect(result.numFailedTests, output).toBe(0);
    // Four tests in the README's file and one probe, per kind of decorators.
    expect(result.numPassedTests).toBe(10);
    expect(result.testResults.map((file) => file.name.slice(project.length + 1)).sort()).toEqual([
      'legacy/flavour.test.ts',
      'legacy/support-agent.test.ts',
      'tc39/flavour.test.ts',
      'tc39/support-agent.test.ts',
    ]);
  });

  it('type-checks, config and example, with the newest TypeScript', () => {
    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    for (const config of ['tsconfig.json', 'tc39/tsconfig.json', 'legacy/tsconfig.json']) {
      execFileSync(process.execPath, [tsc, '--noEmit', '-p', config], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    }
  });
});
