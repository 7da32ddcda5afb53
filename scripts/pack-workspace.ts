// Packs workspace packages as they would be published and installs them with plain npm into a
// scratch project, for tests of the published shape (what a user's `npm install` gets).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../', import.meta.url));
const packagesDir = join(repo, 'packages');

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
}

/**
 * npm's download cache for these scratch installs: outside the repo, beside the other caches of the
 * project's scripts (`AGENTRACE_CACHE_DIR`, default ~/.cache/agentrace), so repeated runs reuse it.
 */
export const npmCacheDir = join(process.env.AGENTRACE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'agentrace'), 'npm');

/** The environment for `npm` here: the cache above, unless the caller set one. */
export function npmEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, npm_config_cache: env.npm_config_cache ?? npmCacheDir };
}

function run(cmd: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: cmd === 'npm' ? npmEnv() : process.env });
  } catch (error) {
    // tsc reports on stdout, pnpm on stderr: both say what went wrong.
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    const output = [stdout, stderr].map((text) => text?.trim()).filter(Boolean).join('\n');
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed in ${cwd}:\n${output || String(error)}`);
  }
}

/** The directory of each package under packages/, by package name. */
function workspacePackages(): Map<string, { dir: string; manifest: Manifest }> {
  const found = new Map<string, { dir: string; manifest: Manifest }>();
  for (const entry of readdirSync(packagesDir)) {
    const dir = join(packagesDir, entry);
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
      found.set(manifest.name, { dir, manifest });
    } catch {
      // not a package
    }
  }
  return found;
}

/** The package and every workspace package it needs at run time (`dependencies`, transitively), dependencies first. */
export function withWorkspaceDependencies(name: string): string[] {
  const all = workspacePackages();
  const order: string[] = [];
  const visit = (current: string): void => {
    if (order.includes(current)) return;
    const pkg = all.get(current);
    if (!pkg) throw new Error(`No workspace package named ${current} under ${packagesDir}.`);
    for (const [dep, spec] of Object.entries(pkg.manifest.dependencies ?? {})) if (spec.startsWith('workspace:')) visit(dep);
    order.push(current);
  };
  visit(name);
  return order;
}

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs `fn` holding a lock shared by every process on the machine: two test files (or two people's
 * runs) building the same package at once would pack a half-written dist/.
 */
function withLock<T>(fn: () => T): T {
  const lock = join(tmpdir(), 'agentrace-pack-workspace.lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A holder that died leaves its lock behind: past 10 minutes it is stale.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) throw new Error(`Waited 10 minutes for ${lock}; remove it if no pack is running.`);
      sleep(200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Builds each package (`pnpm run build`, unless `build: false`) and packs it (`pnpm pack`, which turns
 * `workspace:` and `catalog:` versions into real ones) into `into`. Returns the tarball of each package.
 */
export function packWorkspacePackages(names: readonly string[], into: string, { build = true }: { build?: boolean } = {}): Map<string, string> {
  const all = workspacePackages();
  mkdirSync(into, { recursive: true });
  return withLock(() => {
    const tarballs = new Map<string, string>();
    for (const name of names) {
      const pkg = all.get(name);
      if (!pkg) throw new Error(`No workspace package named ${name} under ${packagesDir}.`);
      if (build) run('pnpm', ['run', 'build'], pkg.dir);
      const before = new Set(readdirSync(into));
      run('pnpm', ['pack', '--pack-destination', into], pkg.dir);
      const added = readdirSync(into).filter((f) => !before.has(f) && f.endsWith('.tgz'));
      if (added.length !== 1) throw new Error(`pnpm pack of ${name} left ${added.length} new tarballs in ${into}: ${added.join(', ')}`);
      tarballs.set(name, join(into, added[0]!));
    }
    return tarballs;
  });
}

/**
 * Makes `dir` an npm project that depends on the `install` packages' tarballs (and on `registry`:
 * name to version, from npm's registry) and runs a plain `npm install`: every packed package resolves
 * to its local tarball (a dependency, or an override for the transitive ones), everything else comes
 * from npm's registry.
 */
export function npmInstallTarballs(
  dir: string,
  tarballs: ReadonlyMap<string, string>,
  install: readonly string[] = [...tarballs.keys()],
  registry: Readonly<Record<string, string>> = {},
): void {
  const spec = (name: string): string => {
    const file = tarballs.get(name);
    if (!file) throw new Error(`No tarball of ${name}; packed: ${[...tarballs.keys()].join(', ')}.`);
    return `file:${file}`;
  };
  const others = [...tarballs.keys()].filter((name) => !install.includes(name));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'scratch',
        private: true,
        dependencies: { ...Object.fromEntries(install.map((name) => [name, spec(name)])), ...registry },
        overrides: Object.fromEntries(others.map((name) => [name, spec(name)])),
      },
      null,
      2,
    ),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir);
}

/** Whether `version` (e.g. `20.20.2`) satisfies an `engines` range such as `^20.19.0 || >=22.12.0`. */
export function satisfiesEngine(range: string, version: string): boolean {
  const parse = (v: string): number[] => v.replace(/^[=v]+/, '').split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
  const compare = (a: number[], b: number[]): number => {
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  const have = parse(version);
  const clause = (c: string): boolean => {
    const m = /^(\^|~|>=|<=|>|<|=)?\s*([\dx*.]+)$/.exec(c.trim());
    if (!m) return c.trim() === '' || c.trim() === '*';
    const [, op = '=', raw = ''] = m;
    const want = parse(raw);
    const cmp = compare(have, want);
    if (op === '^') return cmp >= 0 && have[0] === want[0];
    if (op === '~') return cmp >= 0 && have[0] === want[0] && have[1] === want[1];
    if (op === '>=') return cmp >= 0;
    if (op === '>') return cmp > 0;
    if (op === '<=') return cmp <= 0;
    if (op === '<') return cmp < 0;
    return raw.includes('x') || raw.includes('*') || raw.split('.').length < 3 ? have[0] === want[0] : cmp === 0;
  };
  return range.split('||').some((alternative) => alternative.trim().split(/\s+/).every(clause));
}

/**
 * The newest version of `name` on npm's registry whose `engines.node` admits the Node running this:
 * the `latest` tag, else the newest of each earlier major in turn (vitest 5 needs Node 22, so Node 20
 * gets vitest 4). What a user on this Node gets from `npm install name`, give or take a warning.
 */
export function newestVersionForThisNode(name: string, nodeVersion = process.versions.node): string {
  const view = (spec: string, field: string): unknown => {
    const out = run('npm', ['view', spec, field, '--json'], tmpdir()).trim();
    return out ? JSON.parse(out) : undefined;
  };
  const latest = view(`${name}@latest`, 'version') as string;
  let major = Number(latest.split('.')[0]);
  for (let tries = 0; tries < 4 && major >= 0; tries++, major--) {
    const found = view(`${name}@^${major}`, 'version');
    const versions = (Array.isArray(found) ? found : [found]).filter((v): v is string => typeof v === 'string' && !v.includes('-'));
    const newest = major === Number(latest.split('.')[0]) ? latest : versions.at(-1);
    if (!newest) continue;
    const engines = view(`${name}@${newest}`, 'engines') as { node?: string } | undefined;
    if (!engines?.node || satisfiesEngine(engines.node, nodeVersion)) return newest;
  }
  throw new Error(`No version of ${name} from ${latest} down four majors supports Node ${nodeVersion}.`);
}

/** One installed package in `npm ls --all --json`. */
interface LsNode {
  version?: string;
  resolved?: string;
  dependencies?: Record<string, LsNode>;
}

/** Every package installed in `dir` (`npm ls --all`), by name, with the version and where it came from. */
export function installedPackages(dir: string): Map<string, { version: string; resolved?: string }> {
  let text: string;
  try {
    text = execFileSync('npm', ['ls', '--all', '--json'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: npmEnv() });
  } catch (error) {
    // npm ls exits non-zero for a problem in the tree (a missing optional peer); the JSON is still whole.
    text = (error as { stdout?: string }).stdout ?? '';
  }
  const found = new Map<string, { version: string; resolved?: string }>();
  const walk = (node: LsNode): void => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      // A peer that is not installed (vitest, optional) has no version.
      if (child.version !== undefined && !found.has(name)) found.set(name, { version: child.version, ...(child.resolved ? { resolved: child.resolved } : {}) });
      walk(child);
    }
  };
  walk(JSON.parse(text) as LsNode);
  return found;
}
