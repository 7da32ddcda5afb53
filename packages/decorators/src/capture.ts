import { type Attributes, type AttributeValue, type Span } from '@opentelemetry/api';
import { reporter } from './report.js';
import type { Redactor, RedactOptions } from '@agentrace/core';
import {
  capString,
  enumerableKeys,
  resolveSerializeOptions,
  serializeResolved,
  SERIALIZE_DEFAULTS,
  type ResolvedSerializeOptions,
  type SerializeOptions,
} from '@agentrace/core';

// Attribute names. The tool ones are copied from the incubating GenAI semantic conventions
// (`ATTR_GEN_AI_TOOL_CALL_ARGUMENTS` / `ATTR_GEN_AI_TOOL_CALL_RESULT` in @opentelemetry/semantic-conventions
// 1.45 incubating; opt-in, "may contain sensitive data"). No convention covers the input and output of an
// arbitrary step or run (`gen_ai.input.messages` is for chat messages), so those are agentrace's own.
/** Tool call arguments, JSON (GenAI semconv, opt-in). */
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
/** Tool call result, JSON (GenAI semconv, opt-in). */
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
/** Arguments of a step or run, JSON keyed by parameter name. */
export const ATTR_AGENTRACE_INPUT = 'agentrace.input';
/** Result (resolved value) of a step or run, JSON. */
export const ATTR_AGENTRACE_OUTPUT = 'agentrace.output';

/** What a decorated function stands for; tools use the GenAI attribute names. */
export type CaptureKind = 'run' | 'tool' | 'step';

/** What is captured for one decorated function, and how. */
export interface CaptureSettings {
  /** Capture arguments: all (`true`), none (`false`), or only the parameters named here (`argN` for unnamed ones). Default: true. */
  inputs?: boolean | readonly string[];
  /** Capture the result (the resolved value for async calls). Default: true. */
  output?: boolean;
  /** Parameter names never captured, whatever `inputs` says; added to the global list. Default: none. */
  exclude?: readonly string[];
  /** Serialization limits, merged over the global ones. Default: those of `serializeValue` (depth 6, 50 keys, 1024 chars, 8192 bytes). */
  serialize?: Omit<SerializeOptions, 'redact'>;
  /** Redaction before serialization; `false` for none. Default: the global setting (the built-in rules). */
  redact?: Redactor | RedactOptions | false;
}

/**
 * The per-decorator `capture` option: `true` (on, with the global settings), `false` (off), the parameter
 * names to capture, or settings. Default (undefined): the global setting, off unless `configureCapture({ enabled: true })`.
 */
export type CaptureSpec = boolean | readonly string[] | CaptureSettings;

/** Process-wide capture settings (`configureCapture`). */
export interface CaptureConfig extends CaptureSettings {
  /** Capture inputs and outputs of every decorated function whose own `capture` option is not set. Default: false. */
  enabled?: boolean;
}

/** Built once per decorated function; the wrapper calls it on recording spans. */
export interface Capture {
  /** Sets the arguments attribute on a recording span when capture is on. Never throws. */
  recordArguments(span: Span, args: ArrayLike<unknown>): void;
  /** Sets the result attribute on a recording span when output capture is on (nothing for `undefined`). Never throws. */
  recordResult(span: Span, result: unknown): void;
  /** The parameter names read from the function's source (`undefined` for destructured ones). */
  readonly parameterNames: readonly (string | undefined)[];
}

const EMPTY: readonly string[] = [];
let globalConfig: CaptureConfig = {};
// Bumped on every change, so each capture re-resolves its settings once, lazily, on its next call.
let version = 0;

/**
 * Sets process-wide capture settings; merges into the current ones. Returns a function that restores
 * the settings as they were before this call. Applies also to functions decorated before the call.
 */
export function configureCapture(config: CaptureConfig): () => void {
  const previous = globalConfig;
  globalConfig = { ...globalConfig, ...config };
  version++;
  return () => {
    globalConfig = previous;
    version++;
  };
}

/** Back to the defaults (capture off). */
export function resetCaptureConfig(): void {
  globalConfig = {};
  version++;
}

interface Field {
  readonly name: string;
  readonly index: number;
  /** A rest parameter takes every argument from `index` on. */
  readonly rest: boolean;
}

interface Resolved {
  readonly version: number;
  readonly inputs: boolean;
  readonly output: boolean;
  /** Parameters to capture; `extras` adds arguments past the declared ones as `argN`. */
  readonly fields: readonly Field[];
  readonly extras: boolean;
  readonly excluded: ReadonlySet<string>;
  readonly serialize: ResolvedSerializeOptions;
}

const OFF: Resolved = {
  version: -1,
  inputs: false,
  output: false,
  fields: [],
  extras: false,
  excluded: new Set(),
  serialize: resolveSerializeOptions({ redact: false }),
};

/**
 * Builds the capture helpers for one decorated function, once, at decoration time. `fn` is the original
 * function (its source gives the parameter names); `kind` chooses the attribute names; `capture` is the
 * decorator's own option.
 */
export function createCapture(fn: Function, options: { kind?: CaptureKind; capture?: CaptureSpec } = {}): Capture {
  const spec = options.capture;
  const tool = options.kind === 'tool';
  const inputAttribute = tool ? ATTR_GEN_AI_TOOL_CALL_ARGUMENTS : ATTR_AGENTRACE_INPUT;
  const outputAttribute = tool ? ATTR_GEN_AI_TOOL_CALL_RESULT : ATTR_AGENTRACE_OUTPUT;
  const parsed = parseParameters(fn);
  let resolved: Resolved = { ...OFF };
  let warned = false;

  function settings(): Resolved {
    if (resolved.version === version) return resolved;
    try {
      resolved = resolve(spec, parsed, version, (message) => {
        if (warned) return;
        warned = true;
        reporter.warn(`capture option of ${describeFn(fn)}: ${message}`);
      });
    } catch (error) {
      resolved = { ...OFF, version };
      reporter.error(`capture settings for ${describeFn(fn)} could not be applied (${String(error)}); capture is off for it.`);
    }
    return resolved;
  }

  return {
    parameterNames: parsed.names,
    recordArguments(span: Span, args: ArrayLike<unknown>): void {
      try {
        const s = settings();
        if (!s.inputs || !span.isRecording()) return;
        span.setAttribute(inputAttribute, serializeResolved(argumentsObject(s, parsed, args), s.serialize).value);
      } catch (error) {
        reportOnce(error);
      }
    },
    recordResult(span: Span, result: unknown): void {
      try {
        const s = settings();
        if (!s.output || result === undefined || !span.isRecording()) return;
        span.setAttribute(outputAttribute, serializeResolved(result, s.serialize).value);
      } catch (error) {
        reportOnce(error);
      }
    },
  };
}

let reportedFailure = false;
function reportOnce(error: unknown): void {
  if (reportedFailure) return;
  reportedFailure = true;
  reporter.error(`capture failed and was skipped (${String(error)}). Reported once.`);
}

function describeFn(fn: Function): string {
  try {
    return fn.name ? `"${fn.name}"` : 'an anonymous function';
  } catch {
    return 'a function';
  }
}

function resolve(spec: CaptureSpec | undefined, parsed: ParsedParameters, v: number, warn: (m: string) => void): Resolved {
  const g = globalConfig;
  let on: boolean;
  let own: CaptureSettings = {};
  if (spec === undefined) on = g.enabled === true;
  else if (typeof spec === 'boolean') on = spec;
  else if (Array.isArray(spec)) {
    on = true;
    own = { inputs: spec as readonly string[] };
  } else if (typeof spec === 'object' && spec !== null) {
    on = true;
    own = spec as CaptureSettings;
  } else {
    warn(`expected true, false, parameter names or settings, got ${String(spec)}; capture is off.`);
    on = false;
  }
  if (!on) return { ...OFF, version: v };

  const inputs = own.inputs ?? g.inputs ?? true;
  const output = own.output ?? g.output ?? true;
  const excluded = new Set<string>([...(g.exclude ?? EMPTY), ...(own.exclude ?? EMPTY)]);
  const serialize = resolveSerializeOptions({
    ...g.serialize,
    ...own.serialize,
    redact: own.redact !== undefined ? own.redact : g.redact,
  });

  const declared: Field[] = [];
  parsed.names.forEach((name, index) => {
    declared.push({ name: name ?? `arg${index}`, index, rest: index === parsed.restIndex });
  });
  let fields: Field[];
  let extras = false;
  if (inputs === false) fields = [];
  else if (inputs === true) {
    fields = declared;
    extras = parsed.restIndex === -1;
  } else if (Array.isArray(inputs)) {
    const wanted = inputs as readonly string[];
    fields = [];
    for (const name of wanted) {
      const found = declared.find((f) => f.name === name);
      if (found !== undefined) fields.push(found);
      else {
        const m = /^arg(\d+)$/.exec(name);
        if (m !== null) fields.push({ name, index: Number(m[1]), rest: false });
        else warn(`"${name}" is not a parameter name (parameters: ${declared.map((f) => f.name).join(', ') || 'none'}); it is ignored.`);
      }
    }
  } else {
    warn(`inputs must be true, false or parameter names, got ${String(inputs)}; inputs are not captured.`);
    fields = [];
  }
  fields = fields.filter((f) => !excluded.has(f.name));
  return { version: v, inputs: inputs !== false && (fields.length > 0 || extras), output: output === true, fields, extras, excluded, serialize };
}

/** The arguments as one object keyed by parameter name: what the inputs attribute shows. */
function argumentsObject(s: Resolved, parsed: ParsedParameters, args: ArrayLike<unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = args.length;
  for (const f of s.fields) {
    if (f.rest) out[f.name] = Array.prototype.slice.call(args, f.index);
    else if (f.index < n) out[f.name] = args[f.index];
  }
  if (s.extras) {
    for (let i = parsed.names.length; i < n; i++) {
      const name = `arg${i}`;
      if (!s.excluded.has(name)) out[name] = args[i];
    }
  }
  return out;
}

interface ParsedParameters {
  /** One entry per declared parameter; undefined for a destructured one. */
  readonly names: readonly (string | undefined)[];
  /** Index of the rest parameter, or -1. */
  readonly restIndex: number;
}

const IDENT = /^[A-Za-z_$\u00a0-\uffff][\w$\u00a0-\uffff]*/;

/** The parameter names of a function, read from its source once. Never throws; unknown source gives none. */
export function parameterNames(fn: Function): (string | undefined)[] {
  return [...parseParameters(fn).names];
}

function parseParameters(fn: Function): ParsedParameters {
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return { names: [], restIndex: -1 };
  }
  const list = parameterList(src);
  if (list === undefined) return { names: [], restIndex: -1 };
  const names: (string | undefined)[] = [];
  let restIndex = -1;
  for (const raw of splitTopLevel(list)) {
    let p = stripComments(raw).trim();
    if (p === '') continue;
    if (p.startsWith('...')) {
      restIndex = names.length;
      p = p.slice(3).trim();
    }
    const m = IDENT.exec(p);
    names.push(m === null ? undefined : m[0]);
  }
  return { names, restIndex };
}

/** The text between the parameter parentheses (or the bare parameter of `x => ...`). */
function parameterList(src: string): string | undefined {
  const head = stripComments(src.slice(0, 200)).trimStart();
  const arrow = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(head);
  if (arrow !== null && arrow[1] !== 'async') return arrow[1];
  const open = findOpenParen(src);
  if (open === -1) return undefined;
  const close = matchParen(src, open);
  return close === -1 ? undefined : src.slice(open + 1, close);
}

/** The first `(` outside comments and strings (a `[computed]()` method name is not supported). */
function findOpenParen(src: string): number {
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '(') return i;
    if (c === '/' && src[i + 1] === '*') i = skipBlockComment(src, i);
    else if (c === '/' && src[i + 1] === '/') i = skipLineComment(src, i);
    else if (c === '{' || c === '=') return -1; // a body or an arrow before any '(': no parameter list
  }
  return -1;
}

function skipBlockComment(src: string, i: number): number {
  const end = src.indexOf('*/', i + 2);
  return end === -1 ? src.length : end + 1;
}

function skipLineComment(src: string, i: number): number {
  const end = src.indexOf('\n', i + 2);
  return end === -1 ? src.length : end;
}

function skipString(src: string, i: number): number {
  const quote = src[i];
  for (let j = i + 1; j < src.length; j++) {
    if (src[j] === '\\') j++;
    else if (src[j] === quote) return j;
  }
  return src.length;
}

/** Index of the `)` matching the `(` at `open`, skipping nested brackets, strings and comments. */
function matchParen(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'" || c === '`') i = skipString(src, i);
    else if (c === '/' && src[i + 1] === '*') i = skipBlockComment(src, i);
    else if (c === '/' && src[i + 1] === '/') i = skipLineComment(src, i);
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Splits a parameter list at its top-level commas. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '"' || c === "'" || c === '`') i = skipString(list, i);
    else if (c === '/' && list[i + 1] === '*') i = skipBlockComment(list, i);
    else if (c === '/' && list[i + 1] === '/') i = skipLineComment(list, i);
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts;
}

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}
