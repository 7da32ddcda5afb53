// `@agentrace/testing/vite`: a Vite plugin that compiles decorators, for vitest on Vite 8 and later.
// Vite 8 transforms TypeScript with oxc, which leaves standard (TC39) decorators in the output; no
// Node version runs them yet, so a decorated class dies with a SyntaxError. This plugin hands each
// file that has a decorator to esbuild (or TypeScript 5/6) first, standard or `experimentalDecorators`
// as the file's tsconfig says, and lets Vite's own transform do the rest. No Vite import: Vite is the
// caller, and the compilers are the project's own (optional peers), loaded from the project's root.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export interface AgentraceDecoratorsOptions {
  /** Files to look at (the module id, query removed). Default: `.ts .tsx .mts .cts .js .jsx .mjs .cjs`. */
  include?: RegExp;
  /** Files never to touch. Default: anything under `node_modules`. */
  exclude?: RegExp;
  /**
   * The tsconfig whose `experimentalDecorators`, `emitDecoratorMetadata`, `useDefineForClassFields`,
   * `verbatimModuleSyntax` and `target` apply (following `extends`). Default: the nearest
   * `tsconfig.json` above each file.
   */
  tsconfig?: string;
  /**
   * Which compiler: `esbuild` (standard and legacy decorators, no `emitDecoratorMetadata`),
   * `typescript` (TypeScript 5 or 6, whose `transpileModule` also emits decorator metadata), or
   * `auto` (default): esbuild when installed, else TypeScript.
   */
  compiler?: 'auto' | 'esbuild' | 'typescript';
}

/** The Vite plugin `agentraceDecorators()` returns (a structural subset of Vite's `Plugin`). */
export interface AgentraceDecoratorsPlugin {
  name: 'agentrace:decorators';
  enforce: 'pre';
  configResolved(config: { root: string }): void;
  transform(this: unknown, code: string, id: string): Promise<{ code: string; map: string } | null>;
}

/** The compiler options this plugin reads from a tsconfig (after `extends`). */
interface DecoratorOptions {
  experimentalDecorators?: boolean;
  emitDecoratorMetadata?: boolean;
  useDefineForClassFields?: boolean;
  verbatimModuleSyntax?: boolean;
  target?: string;
}

type Compile = (code: string, file: string, options: DecoratorOptions) => Promise<{ code: string; map: string }>;

const DEFAULT_INCLUDE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
const DEFAULT_EXCLUDE = /[\\/]node_modules[\\/]/;

// Comments, strings and template literals hold `@` that is not a decorator (JSDoc tags, emails).
const NOT_CODE = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\[\s\S]|[^'\\\n])*'|"(?:\\[\s\S]|[^"\\\n])*"|`(?:\\[\s\S]|[^`\\])*`/g;
const DECORATOR = /@\s*[A-Za-z_$(]/;

/** Whether `code` has a decorator outside comments and strings (a cheap scan, so most files skip the compiler). */
export function hasDecorators(code: string): boolean {
  return code.includes('@') && DECORATOR.test(code.replace(NOT_CODE, ''));
}

/** JSON with comments and trailing commas, as tsconfig files are written. */
function parseJsonc(text: string): unknown {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = /"(?:\\[\s\S]|[^"\\])*"/y;
      end.lastIndex = i;
      const m = end.exec(text);
      const s = m ? m[0] : text.slice(i);
      out += s;
      i += s.length - 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 1;
    } else out += c;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}

/** The decorator-related compiler options of a tsconfig, its `extends` chain applied (bases first). */
function readTsconfig(path: string, seen = new Set<string>()): DecoratorOptions {
  if (seen.has(path)) return {};
  seen.add(path);
  const json = parseJsonc(readFileSync(path, 'utf8')) as { extends?: string | string[]; compilerOptions?: Record<string, unknown> };
  let merged: DecoratorOptions = {};
  for (const base of json.extends === undefined ? [] : [json.extends].flat()) {
    let file: string | undefined;
    if (base.startsWith('.') || isAbsolute(base)) {
      file = resolve(dirname(path), base);
      if (!existsSync(file) && existsSync(`${file}.json`)) file = `${file}.json`;
    } else {
      const req = createRequire(path);
      for (const candidate of [base, `${base}.json`, `${base}/tsconfig.json`]) {
        try {
          file = req.resolve(candidate);
          break;
        } catch {
          // next form
        }
      }
    }
    if (file && existsSync(file)) merged = { ...merged, ...readTsconfig(file, seen) };
  }
  const own = json.compilerOptions ?? {};
  for (const key of ['experimentalDecorators', 'emitDecoratorMetadata', 'useDefineForClassFields', 'verbatimModuleSyntax'] as const) {
    if (typeof own[key] === 'boolean') merged[key] = own[key] as boolean;
  }
  if (typeof own.target === 'string') merged.target = own.target;
  return merged;
}

function nearestTsconfig(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const candidate = join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Whether a tsconfig `target` is ES2022 or later (class fields then default to `[[Define]]`). */
function targetsDefine(target: string | undefined): boolean {
  if (!target) return false;
  const t = target.toLowerCase();
  return t === 'esnext' || (/^es(\d{4})$/.test(t) && Number(t.slice(2)) >= 2022);
}

function loaderOf(file: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  if (file.endsWith('.tsx')) return 'tsx';
  if (file.endsWith('.jsx')) return 'jsx';
  return /\.[cm]?ts$/.test(file) ? 'ts' : 'js';
}

interface Esbuild {
  transform(code: string, options: Record<string, unknown>): Promise<{ code: string; map: string }>;
}
interface TypeScriptApi {
  transpileModule?: (code: string, options: { fileName: string; compilerOptions: Record<string, unknown> }) => { outputText: string; sourceMapText?: string };
  ScriptTarget: Record<string, number>;
  ModuleKind: Record<string, number>;
  JsxEmit: Record<string, number>;
}

function esbuildCompiler(esbuild: Esbuild): Compile {
  return async (code, file, options) => {
    const result = await esbuild.transform(code, {
      loader: loaderOf(file),
      sourcefile: file,
      sourcemap: 'external',
      sourcesContent: true,
      // esbuild compiles standard decorators for every target below esnext; ES2022 is what Node 20 runs.
      target: 'es2022',
      jsx: 'preserve',
      tsconfigRaw: {
        compilerOptions: {
          experimentalDecorators: options.experimentalDecorators === true,
          useDefineForClassFields: options.useDefineForClassFields ?? targetsDefine(options.target),
          verbatimModuleSyntax: options.verbatimModuleSyntax === true,
        },
      },
    });
    return { code: result.code, map: result.map };
  };
}

function typescriptCompiler(ts: TypeScriptApi): Compile {
  return async (code, file, options) => {
    const legacy = options.experimentalDecorators === true;
    // TypeScript, like esbuild, compiles standard decorators for every target below ESNext.
    const output = ts.transpileModule!(code, {
      fileName: file,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        jsx: ts.JsxEmit.Preserve,
        experimentalDecorators: legacy,
        emitDecoratorMetadata: legacy && options.emitDecoratorMetadata === true,
        useDefineForClassFields: options.useDefineForClassFields ?? targetsDefine(options.target),
        verbatimModuleSyntax: options.verbatimModuleSyntax === true,
        importHelpers: false,
        sourceMap: true,
        inlineSources: true,
      },
    });
    return { code: output.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n'), map: output.sourceMapText ?? '' };
  };
}

/**
 * A Vite plugin (and so a vitest one) that compiles decorators with esbuild, or TypeScript 5/6,
 * before Vite's own transform. Needed on Vite 8 and later (vitest 4 on Vite 8, vitest 5), harmless
 * before. Needs `esbuild` (or `typescript` 5 or 6) in the project.
 *
 * ```ts
 * // vitest.config.ts
 * import { defineConfig } from 'vitest/config';
 * import { agentraceDecorators } from '@agentrace/testing/vite';
 *
 * export default defineConfig({ plugins: [agentraceDecorators()] });
 * ```
 */
export function agentraceDecorators(options: AgentraceDecoratorsOptions = {}): AgentraceDecoratorsPlugin {
  const include = options.include ?? DEFAULT_INCLUDE;
  const exclude = options.exclude ?? DEFAULT_EXCLUDE;
  const wanted = options.compiler ?? 'auto';
  let root = process.cwd();
  let compile: { name: 'esbuild' | 'typescript'; run: Compile } | undefined;
  const tsconfigs = new Map<string, DecoratorOptions>();
  let warnedMetadata = false;

  const load = (name: string): unknown => {
    try {
      return createRequire(join(root, 'package.json'))(name);
    } catch {
      return undefined;
    }
  };

  const compiler = (): { name: 'esbuild' | 'typescript'; run: Compile } => {
    if (compile) return compile;
    if (wanted !== 'typescript') {
      const esbuild = load('esbuild') as Esbuild | undefined;
      if (esbuild?.transform) return (compile = { name: 'esbuild', run: esbuildCompiler(esbuild) });
    }
    if (wanted !== 'esbuild') {
      const ts = load('typescript') as TypeScriptApi | undefined;
      if (typeof ts?.transpileModule === 'function') return (compile = { name: 'typescript', run: typescriptCompiler(ts) });
    }
    throw new Error(
      `agentraceDecorators() compiles decorators with ${wanted === 'auto' ? 'esbuild or TypeScript 5/6' : wanted === 'esbuild' ? 'esbuild' : 'TypeScript 5/6'}, ` +
        `and none is installed in ${root} (TypeScript 7 has no JavaScript compiler API): ` +
        `run \`npm install --save-dev ${wanted === 'typescript' ? 'typescript@5' : 'esbuild'}\`.`,
    );
  };

  const decoratorOptions = (file: string): DecoratorOptions => {
    const path = options.tsconfig ? resolve(root, options.tsconfig) : nearestTsconfig(file);
    if (!path) return {};
    let found = tsconfigs.get(path);
    if (!found) {
      found = readTsconfig(path);
      tsconfigs.set(path, found);
    }
    return found;
  };

  return {
    name: 'agentrace:decorators',
    enforce: 'pre',
    configResolved(config) {
      root = config.root;
    },
    async transform(code, id) {
      const file = id.split('?')[0]!;
      if (id.startsWith('\0') || !include.test(file) || exclude.test(file) || !hasDecorators(code)) return null;
      const { name, run } = compiler();
      const settings = decoratorOptions(file);
      if (name === 'esbuild' && settings.experimentalDecorators && settings.emitDecoratorMetadata && !warnedMetadata) {
        warnedMetadata = true;
        const message =
          'emitDecoratorMetadata is on, but esbuild emits no decorator metadata: ' +
          "pass agentraceDecorators({ compiler: 'typescript' }) with TypeScript 5 or 6 installed if the code reads it.";
        const context = this as { warn?: (message: string) => void } | undefined;
        (typeof context?.warn === 'function' ? context.warn.bind(context) : console.warn)(`[agentrace:decorators] ${message}`);
      }
      return run(code, file, settings);
    },
  };
}
