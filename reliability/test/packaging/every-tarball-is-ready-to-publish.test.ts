// Each package as npm would publish it (built and packed by scripts/pack-workspace.ts): the license,
// source maps that resolve, where the project lives, caret ranges, types for every subpath under
// node10, node16 and bundler resolution, an install section and no repository-only paths, and
// `publint --strict` and `attw` (both devDependencies here, run on the tarball: no network) clean.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packWorkspacePackages } from '../../../scripts/pack-workspace.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const PROJECT_URL = 'https://github.com/agentrace/agentrace';
// The tools are devDependencies of reliability/ (their package.json is not exported, so by path).
const bin = (pkg: string, file: string): string => join(repo, 'reliability/node_modules', pkg, file);

interface Manifest {
  name: string;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const packages = readdirSync(join(repo, 'packages'))
  .filter((dir) => existsSync(join(repo, 'packages', dir, 'package.json')))
  .map((dir) => ({ dir, name: (JSON.parse(readFileSync(join(repo, 'packages', dir, 'package.json'), 'utf8')) as Manifest).name }));

let scratch: string;
let tarballs: Map<string, string>;
const unpacked = (name: string): string => join(scratch, 'unpacked', name.replace('/', '+'), 'package');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Paths that exist only in the repository (a link to the repository on the web is fine). */
function repoOnlyMentions(markdown: string): string[] {
  const text = markdown.replace(/\[[^\]]*\]\(https:\/\/[^)\s]+\)/g, '');
  const patterns = [
    /(?<![\w@.<-])(?:\.\.?\/)*(?:packages|bench|reliability|scripts|examples|src|test)\/[\w./*<>-]*/g,
    /\b(?:RELIABILITY|BENCHMARKS)\.md\b/g,
    /\]\((?!https:|#)[^)]*\)/g,
    /docker compose|docker-compose\.yml|services\.mjs/g,
  ];
  // `src/<client>.ts` names a pattern beside a link to the folder, not a file.
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[0])).filter((path) => !path.includes('<'));
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'agentrace-publish-'));
  tarballs = packWorkspacePackages(
    packages.map((p) => p.name),
    join(scratch, 'tarballs'),
  );
  for (const [name, tarball] of tarballs) {
    const into = dirname(unpacked(name));
    mkdirSync(into, { recursive: true });
    execFileSync('tar', ['xzf', tarball, '-C', into]);
  }
}, 600_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the repository', () => {
  it('has the Apache-2.0 LICENSE every package.json names', () => {
    expect(readFileSync(join(repo, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });
});

describe.each(packages)('the $name tarball', ({ dir, name }) => {
  const manifest = (): Manifest => JSON.parse(readFileSync(join(unpacked(name), 'package.json'), 'utf8')) as Manifest;

  it('ships the repository LICENSE, and says Apache-2.0', () => {
    expect(readFileSync(join(unpacked(name), 'LICENSE'), 'utf8')).toBe(readFileSync(join(repo, 'LICENSE'), 'utf8'));
    expect(manifest().license).toBe('Apache-2.0');
  });

  it('has source maps that resolve: each JavaScript map carries its sources, and no declaration maps', () => {
    const all = files(unpacked(name));
    expect(all.filter((f) => f.endsWith('.d.ts.map'))).toEqual([]);
    const maps = all.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const file of all.filter((f) => f.endsWith('.js') && f.includes('/dist/'))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(file, 'utf8'))?.[1];
      if (url) expect(existsSync(join(dirname(file), url)), `${relative(unpacked(name), file)} -> ${url}`).toBe(true);
    }
    for (const file of maps) {
      const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      expect(map.sourcesContent?.length, relative(unpacked(name), file)).toBe(map.sources.length);
      expect(map.sourcesContent!.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);
    }
    for (const file of all.filter((f) => f.endsWith('.d.ts'))) expect(readFileSync(file, 'utf8')).not.toContain('sourceMappingURL');
  });

  it('says where the project lives: repository (with its directory), homepage, bugs', () => {
    const m = manifest();
    expect(m.repository).toEqual({ type: 'git', url: `git+${PROJECT_URL}.git`, directory: `packages/${dir}` });
    expect(m.homepage).toBe(`${PROJECT_URL}/tree/main/packages/${dir}#readme`);
    expect(m.bugs).toEqual({ url: `${PROJECT_URL}/issues` });
  });

  it('depends on workspace and OpenTelemetry packages by caret ranges, nothing left of workspace: or catalog:', () => {
    const m = manifest();
    for (const [dep, range] of Object.entries({ ...m.dependencies, ...m.peerDependencies })) {
      expect(range, dep).not.toMatch(/^(workspace|catalog):/);
      if (/^@(agentrace|opentelemetry)\//.test(dep)) expect(range, dep).toMatch(/^\^\d+\.\d+\.\d+$/);
    }
  });

  it('has an install section and no repository-only paths in its README', () => {
    const readme = readFileSync(join(unpacked(name), 'README.md'), 'utf8');
    const install = /^## Install\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
    expect(install).toMatch(new RegExp(`npm install (--save-dev )?${name.replace('/', '\\/')}\\b`));
    expect(repoOnlyMentions(readme)).toEqual([]);
  });

  it('tells users nothing about the repository at run time (no scripts/ paths in shipped code)', () => {
    for (const file of files(join(unpacked(name), 'dist'))) {
      expect(readFileSync(file, 'utf8'), relative(unpacked(name), file)).not.toMatch(/\bscripts\/|services\.mjs|docker compose/);
    }
  });

  it('is clean under publint --strict', () => {
    const out = execFileSync(process.execPath, [bin('publint', 'src/cli.js'), 'run', tarballs.get(name)!, '--strict'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toContain('All good!');
  });

  it('resolves every subpath with types under node10, node16 (CJS and ESM) and bundler: attw finds no problem', () => {
    let text: string;
    try {
      text = execFileSync(process.execPath, [bin('@arethetypeswrong/cli', 'dist/index.js'), tarballs.get(name)!, '--format', 'json', '--no-definitely-typed'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      // attw exits 1 when it finds problems; its JSON report is on stdout all the same.
      text = (error as { stdout?: string }).stdout ?? '';
    }
    const report = JSON.parse(text) as { problems: Record<string, unknown> | unknown[]; analysis: { entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName?: string; isTypeScript?: boolean } }> }> } };
    expect(Array.isArray(report.problems) ? report.problems : Object.values(report.problems).flat()).toEqual([]);
    const subpaths = Object.keys(manifest().exports ?? {}).filter((s) => !s.endsWith('package.json'));
    for (const subpath of subpaths) {
      const entry = report.analysis.entrypoints[subpath];
      expect(entry, subpath).toBeDefined();
      for (const kind of ['node10', 'node16-cjs', 'node16-esm', 'bundler']) {
        expect(entry!.resolutions[kind]?.resolution?.fileName, `${subpath} under ${kind}`).toMatch(/\.d\.ts$/);
      }
    }
  });
});
