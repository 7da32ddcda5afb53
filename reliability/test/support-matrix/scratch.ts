// Scratch projects for the support matrix: each library version is installed from the npm registry,
// with plain `npm`, into a directory of its own under the cache directory (outside the repo, kept
// between runs, so CI installs each version once). A test app is then run from a fresh temp directory
// whose node_modules links to those packages and to the built agentrace packages of this checkout,
// as a user's app would load them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cacheDir = process.env.AGENTRACE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'agentrace');
const AGENTRACE_PACKAGES = ['core', 'tracer', 'instrumentation-http', 'instrumentation-queue'];

/** Installs `deps` (exact versions) once into the cache; returns the project directory. */
export function installScratch(deps: Record<string, string>): string {
  const key = Object.entries(deps)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, version]) => `${name}@${version}`)
    .join('+')
    .replace(/[/@]/g, '_');
  const dir = join(cacheDir, 'support-matrix', key);
  const done = join(dir, '.installed');
  if (existsSync(done)) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ private: true, dependencies: deps }, null, 2)}\n`);
  // npm by PATH: a Node from the PyPI wheel ships a broken npm, and which Node installs does not matter.
  execFileSync('flock', [join(dir, '.lock'), 'npm', 'install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error'], {
    cwd: dir,
    stdio: 'pipe',
    timeout: 300_000,
  });
  writeFileSync(done, new Date().toISOString());
  return dir;
}

/** The version npm installed for `name` in a scratch project. */
export function installedVersion(project: string, name: string): string {
  return (JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Whether the installed package declares it runs on this Node (`engines.node`, `>=x.y.z` form only). */
export function runsOnThisNode(project: string, name: string): boolean {
  const engines = (JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines;
  const m = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(engines?.node?.trim() ?? '');
  if (!m) return true;
  const want = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
  const have = process.versions.node.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i]! > want[i]!;
  return true;
}

function link(target: string, path: string): void {
  symlinkSync(target, path, statSync(target).isDirectory() ? 'dir' : 'file');
}

/**
 * A temp directory holding `app` (copied from `apps/`) and a node_modules that links every package
 * of `project` and this checkout's built agentrace packages. The app's own `@opentelemetry/api` is
 * the one agentrace uses (as in a user's app, where it is a peer); a library of the project that
 * brings another version keeps its own (it resolves from where it is installed).
 */
export function makeApp(project: string, app: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentrace-matrix-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@agentrace'), { recursive: true });
  const source = join(project, 'node_modules');
  for (const entry of readdirSync(source)) {
    if (entry.startsWith('.') || entry === '@agentrace') continue;
    if (entry.startsWith('@')) {
      mkdirSync(join(modules, entry), { recursive: true });
      for (const scoped of readdirSync(join(source, entry))) {
        if (`${entry}/${scoped}` !== '@opentelemetry/api') link(join(source, entry, scoped), join(modules, entry, scoped));
      }
    } else link(join(source, entry), join(modules, entry));
  }
  for (const name of AGENTRACE_PACKAGES) link(join(repo, 'packages', name), join(modules, '@agentrace', name));
  mkdirSync(join(modules, '@opentelemetry'), { recursive: true });
  link(realpathSync(join(repo, 'packages/tracer/node_modules/@opentelemetry/api')), join(modules, '@opentelemetry', 'api'));
  const apps = fileURLToPath(new URL('./apps/', import.meta.url));
  for (const file of readdirSync(apps)) copyFileSync(join(apps, file), join(dir, file));
  if (!existsSync(join(dir, app))) throw new Error(`no app ${app} in ${apps}`);
  return dir;
}

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds the agentrace packages the apps load when their sources are newer than their build. */
export function buildAgentrace(): void {
  for (const name of AGENTRACE_PACKAGES) {
    const pkg = join(repo, 'packages', name);
    const built = join(pkg, 'dist/esm/index.js');
    if (existsSync(built) && statSync(built).mtimeMs >= newest(join(pkg, 'src'))) continue;
    // Serialised with the other builds on this machine.
    execFileSync('flock', ['/tmp/agentrace-build.lock', process.execPath, join(repo, 'scripts/build-package.mjs')], { cwd: pkg, stdio: 'pipe' });
  }
}

