#!/usr/bin/env node
// Builds the package in the current directory to dist/esm (ESM) and dist/cjs (CommonJS),
// each with its own declarations, so `import` and `require` consumers both get types.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const cwd = process.cwd();

// The tarball ships dist/ only: each JavaScript map carries its TypeScript source (sourcesContent), so
// stack traces and debuggers resolve without src/; declaration maps would point at src/, so none.
const published = ['--sourceMap', '--inlineSources', '--declarationMap', 'false'];

function run(args) {
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...published, ...args], { cwd, stdio: 'inherit' });
  } catch {
    // tsc has printed the errors; a Node stack on top would only hide them.
    process.exit(1);
  }
}

rmSync(join(cwd, 'dist'), { recursive: true, force: true });
run(['--outDir', 'dist/esm']);
// Node10 resolution reads each dependency's top-level `main`/`types`, which every package here sets.
run(['--outDir', 'dist/cjs', '--module', 'CommonJS', '--moduleResolution', 'Node10']);
mkdirSync(join(cwd, 'dist/cjs'), { recursive: true });
writeFileSync(join(cwd, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
