import type { Instrumentation } from '@opentelemetry/instrumentation';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, join as joinPath, resolve } from 'node:path';
import { VERSION } from './version.js';
import type { Attributes } from '@opentelemetry/api';
import type { InboundBaggageTrust } from '@agentrace/core';
import type {
  BatchOptions,
  Compression,
  ConsoleExporterOptions,
  DiagnosticLogger,
  ExportThread,
  ExporterChoice,
  ExporterName,
  LogLevel,
  OtlpProtocol,
  ResolvedConfig,
  SamplerName,
  TailSamplingOptions,
  TracerOptions,
} from './types.js';
import { acceptedTailValue, parseTailValue, TAIL_SAMPLING_DEFAULTS, TAIL_SAMPLING_LIMITS } from './tail-sampling-processor.js';

export const DEFAULT_ENDPOINT = 'http://localhost:4318/v1/traces';
const DEFAULT_SERVICE_NAME = 'unknown_service:node';

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const EXPORTERS: readonly ExporterName[] = ['otlp', 'console', 'none'];
const LOG_LEVELS: readonly LogLevel[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const COMPRESSIONS: readonly Compression[] = ['gzip', 'none'];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];
const EXPORT_THREADS: readonly ExportThread[] = ['worker', 'main'];

type NumericBatchKey = Exclude<keyof BatchOptions, 'overflow'>;
const BATCH_DEFAULTS: Required<BatchOptions> = {
  maxQueueSize: 262_144,
  maxQueueBytes: 256 * 1024 * 1024,
  maxExportBatchSize: 4096,
  scheduledDelayMillis: 1000,
  exportTimeoutMillis: 10_000,
  overflow: 'drop',
};
const BATCH_ENV: Record<NumericBatchKey, string> = {
  maxQueueSize: 'OTEL_BSP_MAX_QUEUE_SIZE',
  maxQueueBytes: 'AGENTRACE_BSP_MAX_QUEUE_BYTES',
  maxExportBatchSize: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  scheduledDelayMillis: 'OTEL_BSP_SCHEDULE_DELAY',
  exportTimeoutMillis: 'OTEL_BSP_EXPORT_TIMEOUT',
};
const STRICT_ENV = 'AGENTRACE_STRICT_CONFIG';

/**
 * Thrown by {@link resolveConfig} and `init` when strict checking is on (`strict: true` or
 * `AGENTRACE_STRICT_CONFIG=true`) and some value is invalid: lists every one of them.
 */
export class AgentraceConfigError extends Error {
  override readonly name = 'AgentraceConfigError';
  constructor(readonly problems: readonly string[]) {
    super(
      `agentrace: invalid configuration; tracing not started because strict is on (without it, each invalid value is reported and replaced by its default):\n  - ${problems.join('\n  - ')}`,
    );
  }
}

type Env = Record<string, string | undefined>;

/** Collects every problem, so the user fixes them all in one go. */
class Problems {
  /** Each problem and what is done instead, as reported. */
  readonly list: string[] = [];
  /** The same without what is done instead, for the strict error (where nothing is). */
  readonly bare: string[] = [];
  add(option: string, source: string | undefined, value: unknown, accepted: string, consequence: string): void {
    const from = source && source !== option ? ` (from ${source})` : '';
    const problem = `${option}${from} is ${describe(value)}; accepted: ${accepted}`;
    this.bare.push(problem);
    this.list.push(`${problem}; ${consequence}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object' || value === null) return typeof value === 'bigint' ? `${value}n` : String(value);
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    /* circular or not serializable: named by its kind below */
  }
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Where a value may come from: the option (no source), or an environment variable. */
interface Candidate {
  value: unknown;
  source?: string;
}

interface Setting<T> {
  /** The option's name in messages, e.g. `batch.maxQueueSize`. */
  option: string;
  /** What is accepted, in the words of the message. */
  accepted: string;
  /** The value if valid, else undefined. Environment values arrive as trimmed, non-empty strings. */
  parse(value: unknown, fromEnv: boolean): T | undefined;
  /** What the message says when the default applies, if "using <default> instead" would not read well. */
  ignored?: string;
}

function envValue(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function fromEnv(env: Env, name: string): Candidate {
  return { value: envValue(env, name), source: name };
}

/** The first valid candidate, if any, and the invalid ones met before it. */
function firstValid<T>(setting: Setting<T>, candidates: Candidate[]): { value?: T; source?: string; invalid: Candidate[] } {
  const invalid: Candidate[] = [];
  for (const c of candidates) {
    if (c.value === undefined) continue;
    const value = setting.parse(c.value, c.source !== undefined);
    if (value !== undefined) return { value, source: c.source, invalid };
    invalid.push(c);
  }
  return { invalid };
}

/**
 * The first valid value among the option and its environment variables, else `fallback`. Each
 * invalid one is reported with the value used instead: as OpenTelemetry's rules for environment
 * variables say, a bad value costs a warning and that one setting, never the whole configuration.
 */
function settle<T>(problems: Problems, setting: Setting<T>, candidates: Candidate[], fallback: T, show: (v: T) => string = describe): T {
  const found = firstValid(setting, candidates);
  const value = found.value === undefined ? fallback : found.value;
  const origin = found.value === undefined ? ' (the default)' : found.source ? ` (from ${found.source})` : '';
  const consequence = setting.ignored && found.value === undefined ? setting.ignored : `using ${show(value)}${origin} instead`;
  for (const c of found.invalid) problems.add(setting.option, c.source, c.value, setting.accepted, consequence);
  return value;
}

const positiveInt = (value: unknown): number | undefined => {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
};

/** `true`/`false` from code; from the environment, `true` or `false` in any case. */
const boolean = (value: unknown, env: boolean): boolean | undefined => {
  if (typeof value === 'boolean') return value;
  if (!env || typeof value !== 'string') return undefined;
  const v = value.toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
};

/** One of `names`, in any case. */
function oneOf<T extends string>(names: readonly T[]) {
  return (value: unknown): T | undefined => {
    if (typeof value !== 'string') return undefined;
    const v = value.toLowerCase();
    return (names as readonly string[]).includes(v) ? (v as T) : undefined;
  };
}

const nonEmptyString = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Key/value lists as in `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`: `k=v,k2=v2`,
 * percent-encoded. One malformed entry makes the whole value invalid (the spec's rule for resource
 * attributes), so a typo never half-applies.
 */
function parseKeyValueList(raw: unknown): Record<string, string> | undefined {
  if (typeof raw !== 'string') return undefined;
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (!key) return undefined;
    try {
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return out;
}
const KEY_VALUE_LIST = 'a comma-separated list of key=value pairs, percent-encoded';
const IGNORED_LIST = 'ignored whole (one malformed entry invalidates the list)';

function isExporterObject(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.export === 'function' || (typeof o.onEnd === 'function' && typeof o.onStart === 'function');
}

function isSamplerObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { shouldSample?: unknown }).shouldSample === 'function';
}

/** A logger `init` can route diagnostics to. */
export function isDiagnosticLogger(v: unknown): v is DiagnosticLogger {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.error === 'function' && typeof o.warn === 'function';
}

function describeExporters(list: readonly ExporterChoice[]): string {
  if (!list.length) return 'none';
  return list.map((e) => (typeof e === 'string' ? e : 'your exporter')).join(', ');
}

/**
 * The exporters of the first source that names at least one valid one (the option, else
 * `OTEL_TRACES_EXPORTER`, else `otlp`). An unknown name among valid ones is reported and skipped.
 */
function resolveExporters(options: TracerOptions, env: Env, problems: Problems): ExporterChoice[] {
  const raw = envValue(env, 'OTEL_TRACES_EXPORTER');
  const fromEnvList = raw?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const given = options.exporter;
  const candidates: { list: readonly unknown[] | undefined; source?: string }[] = [
    { list: given === undefined ? undefined : Array.isArray(given) ? given : [given] },
    { list: fromEnvList?.length ? fromEnvList : undefined, source: 'OTEL_TRACES_EXPORTER' },
  ];
  const accepted = `${EXPORTERS.join(', ')}, a SpanExporter or a SpanProcessor`;
  const skipped: { item: unknown; source?: string }[] = [];
  let chosen: ExporterChoice[] = ['otlp'];
  let origin = ' (the default)';
  for (const { list, source } of candidates) {
    if (list === undefined) continue;
    const out: ExporterChoice[] = [];
    let valid = 0;
    const bad: unknown[] = [];
    for (const item of list) {
      if (typeof item === 'string' && (EXPORTERS as readonly string[]).includes(item)) {
        valid++;
        if (item !== 'none') out.push(item as ExporterName);
      } else if (isExporterObject(item)) {
        valid++;
        out.push(item as ExporterChoice);
      } else {
        bad.push(item);
      }
    }
    skipped.push(...bad.map((item) => ({ item, source })));
    if (valid || !list.length) {
      chosen = out;
      origin = source ? ` (from ${source})` : '';
      break;
    }
  }
  for (const { item, source } of skipped) {
    problems.add('exporter', source, item, accepted, `using ${describeExporters(chosen)}${origin} instead`);
  }
  return chosen;
}

/** The app's version: `npm_package_version` (set by `npm run` and `pnpm run`), else the `version` of the package.json nearest the entry script. */
function appVersion(env: Env): string | undefined {
  const fromScript = env['npm_package_version'];
  if (typeof fromScript === 'string' && fromScript !== '') return fromScript;
  const entry = process.argv[1];
  if (typeof entry !== 'string' || entry === '') return undefined;
  try {
    let dir = dirname(resolve(entry));
    for (let i = 0; i < 8; i++) {
      const file = joinPath(dir, 'package.json');
      if (existsSync(file)) {
        const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
        return typeof version === 'string' && version !== '' ? version : undefined;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  } catch {
    // An unreadable or invalid package.json: no version rather than a failed init.
  }
  return undefined;
}

function resolveResource(options: TracerOptions, env: Env, problems: Problems): { serviceName: string; attributes: Attributes } {
  const attributes: Attributes = settle(
    problems,
    { option: 'OTEL_RESOURCE_ATTRIBUTES', accepted: KEY_VALUE_LIST, parse: parseKeyValueList, ignored: IGNORED_LIST },
    [fromEnv(env, 'OTEL_RESOURCE_ATTRIBUTES')],
    {},
  );
  if (options.resourceAttributes !== undefined) {
    if (isPlainObject(options.resourceAttributes)) Object.assign(attributes, options.resourceAttributes);
    else problems.add('resourceAttributes', undefined, options.resourceAttributes, 'an object of attribute values', 'ignored');
  }
  const strings: [keyof TracerOptions, string][] = [
    ['serviceVersion', 'service.version'],
    ['environment', 'deployment.environment.name'],
  ];
  for (const [option, key] of strings) {
    const v = options[option];
    if (v === undefined) continue;
    if (nonEmptyString(v)) attributes[key] = v as string;
    else problems.add(option, undefined, v, 'a non-empty string', 'ignored');
  }
  // What the process is: the app's version when it says one (npm and pnpm scripts export it), and an
  // id per process so two replicas of one service can be told apart in a trace.
  if (attributes['service.version'] === undefined) {
    const version = appVersion(env);
    if (version !== undefined) attributes['service.version'] = version;
  }
  if (attributes['service.instance.id'] === undefined) attributes['service.instance.id'] = randomUUID();
  attributes['telemetry.distro.name'] = 'agentrace';
  attributes['telemetry.distro.version'] = VERSION;
  const fromAttributes = typeof attributes['service.name'] === 'string' && attributes['service.name'] ? attributes['service.name'] : DEFAULT_SERVICE_NAME;
  const serviceName = settle(
    problems,
    { option: 'serviceName', accepted: 'a non-empty string', parse: nonEmptyString },
    [{ value: options.serviceName }, fromEnv(env, 'OTEL_SERVICE_NAME')],
    fromAttributes,
  );
  attributes['service.name'] = serviceName;
  return { serviceName, attributes };
}

function isHttpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

function resolveEndpoint(options: TracerOptions, env: Env, problems: Problems): string {
  const base = envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  return settle(
    problems,
    { option: 'endpoint', accepted: 'an http:// or https:// URL, e.g. http://localhost:4318/v1/traces', parse: isHttpUrl },
    [
      { value: options.endpoint },
      fromEnv(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'),
      { value: base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`, source: 'OTEL_EXPORTER_OTLP_ENDPOINT' },
    ],
    DEFAULT_ENDPOINT,
  );
}

function resolveHeaders(options: TracerOptions, env: Env, problems: Problems): Record<string, string> {
  const given: unknown = options.headers;
  if (given !== undefined) {
    if (isPlainObject(given) && Object.values(given).every((v) => typeof v === 'string')) return { ...(given as Record<string, string>) };
    problems.add('headers', undefined, given, 'an object of string header values', 'using the OTEL_EXPORTER_OTLP_*HEADERS variables instead');
  }
  const list = (name: string): Record<string, string> =>
    settle(problems, { option: name, accepted: KEY_VALUE_LIST, parse: parseKeyValueList, ignored: IGNORED_LIST }, [fromEnv(env, name)], {});
  return { ...list('OTEL_EXPORTER_OTLP_HEADERS'), ...list('OTEL_EXPORTER_OTLP_TRACES_HEADERS') };
}

/** A path to a readable file, resolved against the working directory (as OpenTelemetry's exporter does). */
function readableFile(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const path = resolve(process.cwd(), value);
  try {
    accessSync(path, constants.R_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** TLS files of OTLP/HTTPS export, from the environment only, as in OpenTelemetry's exporter. Paths, never contents: the config is readable by anyone holding the handle. */
function resolveTlsFiles(env: Env, problems: Problems): ResolvedConfig['tlsFiles'] {
  const file = (suffix: string): string | undefined => {
    const name = `OTEL_EXPORTER_OTLP_${suffix}`;
    return settle<string | undefined>(
      problems,
      { option: name, accepted: 'the path of a readable PEM file', parse: readableFile, ignored: 'connecting without it' },
      [fromEnv(env, `OTEL_EXPORTER_OTLP_TRACES_${suffix}`), fromEnv(env, name)],
      undefined,
    );
  };
  const out: ResolvedConfig['tlsFiles'] = {};
  const ca = file('CERTIFICATE');
  const cert = file('CLIENT_CERTIFICATE');
  const key = file('CLIENT_KEY');
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  return out;
}

/** `OTEL_TRACES_SAMPLER` value that turns on the tracer's tail sampling (`tailSampling`), with its options in `OTEL_TRACES_SAMPLER_ARG`. */
const TAIL_SAMPLER = 'agentrace_tail';

function tailSamplerInEnv(env: Env): boolean {
  return envValue(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase() === TAIL_SAMPLER;
}

function resolveSampler(options: TracerOptions, env: Env, problems: Problems): { sampler: ResolvedConfig['sampler']; arg: number } {
  const byName = oneOf(SAMPLERS);
  // agentrace_tail names the tail sampler, not a head sampler: the head sampler keeps its default.
  const tail = tailSamplerInEnv(env);
  const sampler = settle<ResolvedConfig['sampler']>(
    problems,
    {
      option: 'sampler',
      accepted: `${SAMPLERS.join(', ')} or a Sampler; in OTEL_TRACES_SAMPLER also ${TAIL_SAMPLER} (tail sampling)`,
      parse: (v) => (isSamplerObject(v) ? (v as ResolvedConfig['sampler']) : byName(v)),
    },
    [{ value: options.sampler }, tail ? { value: undefined } : fromEnv(env, 'OTEL_TRACES_SAMPLER')],
    'parentbased_always_on',
  );
  const arg = settle(
    problems,
    {
      option: 'samplerArg',
      accepted: 'a number from 0 to 1',
      parse: (v) => {
        const n = typeof v === 'string' ? Number(v) : v;
        return typeof n === 'number' && n >= 0 && n <= 1 ? n : undefined;
      },
    },
    [{ value: options.samplerArg }, tail ? { value: undefined } : fromEnv(env, 'OTEL_TRACES_SAMPLER_ARG')],
    1,
  );
  return { sampler, arg };
}

/**
 * Tail sampling: the `tailSampling` option (true, false or options), else on when
 * `OTEL_TRACES_SAMPLER=agentrace_tail`, whose `OTEL_TRACES_SAMPLER_ARG` is the ratio (`0.05`) or a
 * key=value list of the options (`ratio=0.05,slowRunMillis=5000`), as OpenTelemetry's jaeger_remote
 * sampler takes its arguments. Each invalid value is reported and replaced by its default.
 */
function resolveTailSampling(options: TracerOptions, env: Env, problems: Problems): ResolvedConfig['tailSampling'] {
  const inEnv = tailSamplerInEnv(env);
  const given: unknown = options.tailSampling;
  let on = inEnv;
  let fromOptions: Record<string, unknown> = {};
  if (given === true || given === false) on = given;
  else if (isPlainObject(given)) {
    on = true;
    fromOptions = given;
  } else if (given !== undefined) {
    problems.add('tailSampling', undefined, given, 'true, false or an options object', inEnv ? `using OTEL_TRACES_SAMPLER=${TAIL_SAMPLER} instead` : 'tail sampling stays off');
  }
  if (!on) return false;
  const keys = Object.keys(TAIL_SAMPLING_LIMITS) as (keyof TailSamplingOptions)[];
  const fromEnvArg: Record<string, string> = {};
  const rawArg = inEnv ? envValue(env, 'OTEL_TRACES_SAMPLER_ARG') : undefined;
  if (rawArg !== undefined) {
    const list = /^[\d.eE+-]+$/.test(rawArg) ? { ratio: rawArg } : parseKeyValueList(rawArg);
    if (list === undefined) {
      problems.add('OTEL_TRACES_SAMPLER_ARG', undefined, rawArg, `a ratio, or a list like ratio=0.05,slowRunMillis=5000 of ${keys.join(', ')}`, IGNORED_LIST);
    } else {
      for (const key of Object.keys(list)) {
        if ((keys as string[]).includes(key)) fromEnvArg[key] = list[key]!;
        else problems.add('OTEL_TRACES_SAMPLER_ARG', undefined, `${key}=${list[key]}`, `entries ${keys.join(', ')}`, 'ignored');
      }
    }
  }
  for (const key of Object.keys(fromOptions)) {
    if (!(keys as string[]).includes(key)) problems.add(`tailSampling.${key}`, undefined, fromOptions[key], `no such option; the options are ${keys.join(', ')}`, 'ignored');
  }
  const out = { ...TAIL_SAMPLING_DEFAULTS };
  for (const key of keys) {
    out[key] = settle(
      problems,
      { option: `tailSampling.${key}`, accepted: acceptedTailValue(key), parse: (v) => parseTailValue(key, v) },
      [{ value: fromOptions[key] }, { value: fromEnvArg[key], source: 'OTEL_TRACES_SAMPLER_ARG' }],
      TAIL_SAMPLING_DEFAULTS[key],
    );
  }
  return out;
}

function resolveBatch(options: TracerOptions, env: Env, problems: Problems): Required<BatchOptions> {
  let given: BatchOptions = options.batch ?? {};
  if (!isPlainObject(given)) {
    problems.add(
      'batch',
      undefined,
      given,
      'an object with maxQueueSize, maxQueueBytes, maxExportBatchSize, scheduledDelayMillis, exportTimeoutMillis, overflow',
      'using the OTEL_BSP_* variables and the defaults instead',
    );
    given = {};
  }
  const out = { ...BATCH_DEFAULTS };
  let batchSizeSource: string | undefined;
  let batchSizeChosen = false;
  for (const key of Object.keys(BATCH_ENV) as NumericBatchKey[]) {
    const setting: Setting<number> = { option: `batch.${key}`, accepted: 'a whole number greater than 0', parse: positiveInt };
    const candidates = [{ value: given[key] }, fromEnv(env, BATCH_ENV[key])];
    out[key] = settle(problems, setting, candidates, BATCH_DEFAULTS[key]);
    if (key === 'maxExportBatchSize') {
      const found = firstValid(setting, candidates);
      batchSizeChosen = found.value !== undefined;
      batchSizeSource = found.source;
    }
  }
  out.overflow = settle(
    problems,
    { option: 'batch.overflow', accepted: '"drop" or "wait"', parse: oneOf(['drop', 'wait'] as const) },
    [{ value: given.overflow }, fromEnv(env, 'AGENTRACE_BSP_OVERFLOW')],
    BATCH_DEFAULTS.overflow,
  );
  // A small queue with the default batch size shrinks the batch; a batch size asked for that cannot
  // fit is reported (the SDK would shrink it silently) and shrunk.
  if (out.maxExportBatchSize > out.maxQueueSize) {
    if (batchSizeChosen) {
      problems.add(
        'batch.maxExportBatchSize',
        batchSizeSource,
        out.maxExportBatchSize,
        `at most batch.maxQueueSize (${out.maxQueueSize})`,
        `using ${out.maxQueueSize} instead`,
      );
    }
    out.maxExportBatchSize = out.maxQueueSize;
  }
  return out;
}

function resolveToggle<T extends object>(problems: Problems, option: string, value: boolean | T | undefined): false | T {
  return settle<false | T>(
    problems,
    {
      option,
      accepted: 'true, false or an options object',
      parse: (v) => (v === true ? ({} as T) : v === false ? false : isPlainObject(v) ? (v as T) : undefined),
    },
    [{ value }],
    {} as T,
    () => 'true',
  );
}

function isInstrumentation(value: unknown): value is Instrumentation {
  return isObjectLike(value) && typeof (value as Instrumentation).enable === 'function' && typeof (value as Instrumentation).disable === 'function';
}

function isObjectLike(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** The instrumentations to register: the user's list as given, or undefined for agentrace's own (configured by `http` and `queues`). */
function resolveInstrumentations(options: TracerOptions, problems: Problems): Instrumentation[] | undefined {
  const given: unknown = options.instrumentations;
  if (given === undefined) return undefined;
  if (!Array.isArray(given) || !given.every(isInstrumentation)) {
    problems.add('instrumentations', undefined, given, 'an array of OpenTelemetry instrumentations (objects with enable and disable)', "using agentrace's own instead");
    return undefined;
  }
  for (const option of ['http', 'queues'] as const) {
    if (options[option] === undefined) continue;
    problems.add(option, undefined, options[option], 'no value when instrumentations is given', 'ignored: the given instrumentations are used as they are');
  }
  return [...given];
}

function resolveConsole(options: TracerOptions, problems: Problems): ConsoleExporterOptions {
  const given: unknown = options.console ?? {};
  if (!isPlainObject(given)) {
    problems.add('console', undefined, given, 'an object with write and attributes', 'using the defaults instead');
    return {};
  }
  const out: ConsoleExporterOptions = {};
  if (given.write !== undefined) {
    if (typeof given.write === 'function') out.write = given.write as ConsoleExporterOptions['write'];
    else problems.add('console.write', undefined, given.write, 'a function (text) => void', 'using standard output instead');
  }
  if (given.attributes !== undefined) {
    const a: unknown = given.attributes;
    if (a === 'all' || a === 'none' || (Array.isArray(a) && a.every((k) => typeof k === 'string'))) out.attributes = a as ConsoleExporterOptions['attributes'];
    else problems.add('console.attributes', undefined, a, "an array of attribute keys, 'all' or 'none'", 'using the default short list instead');
  }
  return out;
}

/**
 * Combines options, the standard `OTEL_*` environment variables and the defaults, in that order of
 * precedence. An invalid value is skipped for the next source (an invalid option for its environment
 * variable, an invalid variable for the default) and described in `problems`, with the value used
 * instead. With `strict` (option, or `AGENTRACE_STRICT_CONFIG=true`) it throws one
 * {@link AgentraceConfigError} that lists them all instead.
 */
export function resolveConfig(options: TracerOptions = {}, env: Env = process.env): ResolvedConfig {
  const problems = new Problems();
  if (!isPlainObject(options)) {
    problems.add('options', undefined, options, 'an object, or nothing', 'using the environment and the defaults instead');
    options = {};
  }
  const strict = settle(problems, { option: 'strict', accepted: 'true, false', parse: boolean }, [{ value: options.strict }, fromEnv(env, STRICT_ENV)], false);
  const { serviceName, attributes } = resolveResource(options, env, problems);
  const { sampler, arg } = resolveSampler(options, env, problems);

  if (options.logger !== undefined && !isDiagnosticLogger(options.logger)) {
    problems.add('logger', undefined, options.logger, 'an object with error(message) and warn(message) functions', 'using standard error instead');
  }

  const config: ResolvedConfig = {
    serviceName,
    resourceAttributes: attributes,
    endpoint: resolveEndpoint(options, env, problems),
    headers: resolveHeaders(options, env, problems),
    tlsFiles: resolveTlsFiles(env, problems),
    compression: settle(
      problems,
      { option: 'compression', accepted: COMPRESSIONS.join(', '), parse: oneOf(COMPRESSIONS) },
      [{ value: options.compression }, fromEnv(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION'), fromEnv(env, 'OTEL_EXPORTER_OTLP_COMPRESSION')],
      'none',
    ),
    protocol: settle(
      problems,
      // gRPC would need a second transport (HTTP/2 and its framing) for the same spans; OTLP/HTTP
      // protobuf is the specification's default and what Jaeger and collectors take on 4318.
      { option: 'protocol', accepted: `${PROTOCOLS.join(', ')} (grpc is not supported: use the OTLP/HTTP port, 4318)`, parse: oneOf(PROTOCOLS) },
      [{ value: options.protocol }, fromEnv(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'), fromEnv(env, 'OTEL_EXPORTER_OTLP_PROTOCOL')],
      'http/protobuf',
    ),
    exportThread: settle(
      problems,
      { option: 'exportThread', accepted: EXPORT_THREADS.join(', '), parse: oneOf(EXPORT_THREADS) },
      [{ value: options.exportThread }, fromEnv(env, 'AGENTRACE_EXPORT_THREAD')],
      'worker',
    ),
    exporters: resolveExporters(options, env, problems),
    sampler,
    samplerArg: arg,
    tailSampling: resolveTailSampling(options, env, problems),
    batch: resolveBatch(options, env, problems),
    console: resolveConsole(options, problems),
    disabled: settle(problems, { option: 'disabled', accepted: 'true, false', parse: boolean }, [{ value: options.disabled }, fromEnv(env, 'OTEL_SDK_DISABLED')], false),
    shutdownTimeoutMillis: settle(
      problems,
      { option: 'shutdownTimeoutMillis', accepted: 'a whole number greater than 0', parse: positiveInt },
      [{ value: options.shutdownTimeoutMillis }, fromEnv(env, 'AGENTRACE_SHUTDOWN_TIMEOUT')],
      5000,
    ),
    handleExit: settle(problems, { option: 'handleExit', accepted: 'true, false', parse: boolean }, [{ value: options.handleExit }], true),
    logLevel: settle(problems, { option: 'logLevel', accepted: LOG_LEVELS.join(', '), parse: oneOf(LOG_LEVELS) }, [{ value: options.logLevel }, fromEnv(env, 'OTEL_LOG_LEVEL')], 'warn'),
    http: resolveToggle(problems, 'http', options.http),
    queues: resolveToggle(problems, 'queues', options.queues),
    instrumentations: resolveInstrumentations(options, problems),
    redact: resolveToggle(problems, 'redact', options.redact),
    trustInboundBaggage: settle<boolean | InboundBaggageTrust | undefined>(
      problems,
      { option: 'trustInboundBaggage', accepted: 'true, false or { callers, messages }', parse: (v) => (typeof v === 'boolean' || isPlainObject(v) ? (v as boolean | InboundBaggageTrust) : undefined) },
      [{ value: options.trustInboundBaggage }],
      undefined,
      () => 'the defaults',
    ),
    strict,
    problems: problems.list,
  };
  if (strict && problems.bare.length) throw new AgentraceConfigError(problems.bare);
  return config;
}
