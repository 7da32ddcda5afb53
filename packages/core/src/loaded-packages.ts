// What the module hooks can no longer see: copies of a package loaded before an instrumentation was
// enabled, and their versions. Node keeps one CommonJS module cache per process, and an ES module app
// that imports a CommonJS package puts that package's files in it too, so this finds every CommonJS
// copy, however it was loaded. ES modules loaded by `import` leave no trace Node exposes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

/** One copy of a package in the CommonJS module cache. */
export interface LoadedPackageCopy {
  /** The package's directory. */
  dir: string;
  /** Its `package.json` version, `undefined` when unreadable. */
  version: string | undefined;
  /** The cache entries' exports by path from the package root (`/`-separated), for every loaded file. */
  files: Map<string, unknown>;
  /** Paths (from the package root) its `package.json` names as the entry (`exports`, `main`). */
  entries: string[];
}

let cache: NodeJS.Dict<NodeJS.Module> | undefined;
function moduleCache(): NodeJS.Dict<NodeJS.Module> {
  // Any absolute path will do: there is one cache per process.
  cache ??= createRequire(process.execPath).cache;
  return cache;
}

function normalize(path: string): string {
  const p = path.replace(/^\.\//, '');
  return /\.[cm]?js$/.test(p) ? p : `${p.replace(/\/$/, '')}${p === '' || p.endsWith('/') ? 'index.js' : '.js'}`;
}

/** Every string a conditional `exports` entry can point at. */
function targets(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(normalize(value));
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) targets(v, out);
}

function readPackage(dir: string): { version: string | undefined; entries: string[] } {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown; main?: unknown; exports?: unknown };
    const entries: string[] = [];
    const exp = pkg.exports;
    targets(typeof exp === 'object' && exp !== null && '.' in exp ? (exp as Record<string, unknown>)['.'] : exp, entries);
    entries.push(typeof pkg.main === 'string' ? normalize(pkg.main) : 'index.js');
    return { version: typeof pkg.version === 'string' ? pkg.version : undefined, entries };
  } catch {
    return { version: undefined, entries: ['index.js'] };
  }
}

/**
 * Every copy of package `name` with a file in the CommonJS module cache (`node_modules/<name>/...`).
 * Never throws: an unreadable cache gives no copies.
 */
export function loadedPackageCopies(name: string): LoadedPackageCopy[] {
  const copies = new Map<string, LoadedPackageCopy>();
  try {
    const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
    const modules = moduleCache();
    for (const file in modules) {
      const at = file.lastIndexOf(marker);
      if (at < 0) continue;
      const dir = file.slice(0, at + marker.length - 1);
      let copy = copies.get(dir);
      if (copy === undefined) {
        copy = { dir, ...readPackage(dir), files: new Map() };
        copies.set(dir, copy);
      }
      copy.files.set(file.slice(at + marker.length).split(sep).join('/'), modules[file]?.exports);
    }
  } catch {
    /* an unreadable module cache: nothing found */
  }
  return [...copies.values()];
}

function parse(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
}

function compare(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether `version` satisfies one of `ranges`, each a space-separated list of `>=x.y.z`, `>x.y.z`,
 * `<x.y.z`, `<=x.y.z`, `=x.y.z` or `*` (the forms agentrace's hooks use; prereleases count as their release).
 */
export function versionInRanges(version: string | undefined, ranges: readonly string[]): boolean {
  const v = version === undefined ? undefined : parse(version);
  if (v === undefined) return false;
  return ranges.some((range) =>
    range
      .trim()
      .split(/\s+/)
      .every((part) => {
        if (part === '*' || part === '') return true;
        const m = /^(>=|<=|>|<|=)?(.+)$/.exec(part);
        const bound = m ? parse(m[2]!) : undefined;
        if (!m || !bound) return false;
        const c = compare(v, bound);
        switch (m[1]) {
          case '>=':
            return c >= 0;
          case '<=':
            return c <= 0;
          case '>':
            return c > 0;
          case '<':
            return c < 0;
          default:
            return c === 0;
        }
      }),
  );
}
