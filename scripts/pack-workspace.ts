// Packs workspace packages as they would be published and installs them with plain npm into a
// scratch project, for tests of the published shape (what a user's `npm install` gets).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../', import.meta.url));
const packagesDir = join(repo, 'packages');

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
}

function run(cmd: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
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
 * Makes `dir` an npm project that depends on the `install` packages' tarballs and runs a plain
 * `npm install`: every packed package resolves to its local tarball (a dependency, or an override
 * for the transitive ones), everything else comes from npm's registry.
 */
export function npmInstallTarballs(dir: string, tarballs: ReadonlyMap<string, string>, install: readonly string[] = [...tarballs.keys()]): void {
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
        dependencies: Object.fromEntries(install.map((name) => [name, spec(name)])),
        overrides: Object.fromEntries(others.map((name) => [name, spec(name)])),
      },
      null,
      2,
    ),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], dir);
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
    text = execFileSync('npm', ['ls', '--all', '--json'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
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
