import type { Attributes } from '@opentelemetry/api';
import type {
  BatchOptions,
  ExporterChoice,
  ExporterName,
  LogLevel,
  ResolvedConfig,
  SamplerName,
  TracerOptions,
} from './types.js';

export const DEFAULT_ENDPOINT = 'http://localhost:4318/v1/traces';

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

/** Thrown by {@link resolveConfig} (and by `init` with `strict: true`): lists every invalid option. */
export class AgentraceConfigError extends Error {
  override readonly name = 'AgentraceConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`agentrace: invalid configuration, tracing is off:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Collects every problem so the user fixes them all in one go. */
class Problems {
  readonly list: string[] = [];
  add(option: string, source: string | undefined, value: unknown, accepted: string): void {
    const from = source ? ` (from ${source})` : '';
    this.list.push(`${option}${from} is ${describe(value)}; accepted: ${accepted}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return `a ${Object.prototype.toString.call(value).slice(8, -1)}`;
}

function envValue(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** Key/value lists as in `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`: `k=v,k2=v2`, percent-encoded. */
function parseKeyValueList(raw: string, envName: string, problems: Problems): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (!key) {
      problems.add(envName, undefined, part, 'a comma-separated list of key=value pairs');
      continue;
    }
    try {
      out[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      problems.add(envName, undefined, part, 'percent-encoded values');
    }
  }
  return out;
}

function parseBoolean(raw: string, envName: string, problems: Problems): boolean {
  const v = raw.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  problems.add(envName, undefined, raw, 'true, false');
  return false;
}

function positiveInt(option: string, source: string | undefined, value: unknown, fallback: number, problems: Problems): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n > 0) return n;
  problems.add(option, source, value, 'a whole number greater than 0');
  return fallback;
}

/** Option value if given, else the env value (parsed), else undefined; with the source for messages. */
function pick<T>(option: T | undefined, env: Env, envName: string): { value: T | string | undefined; source: string | undefined } {
  if (option !== undefined) return { value: option, source: undefined };
  const e = envValue(env, envName);
  return e === undefined ? { value: undefined, source: undefined } : { value: e, source: envName };
}

function isExporterObject(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.export === 'function' || (typeof o.onEnd === 'function' && typeof o.onStart === 'function');
}

function isSamplerObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { shouldSample?: unknown }).shouldSample === 'function';
}

function resolveExporters(options: TracerOptions, env: Env, problems: Problems): ExporterChoice[] {
  let list: unknown[];
  let source: string | undefined;
  if (options.exporter !== undefined) {
    list = Array.isArray(options.exporter) ? [...options.exporter] : [options.exporter];
  } else {
    const raw = envValue(env, 'OTEL_TRACES_EXPORTER');
    list = raw ? raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean) : ['otlp'];
    source = raw ? 'OTEL_TRACES_EXPORTER' : undefined;
  }
  const out: ExporterChoice[] = [];
  for (const item of list) {
    if (typeof item === 'string' && (EXPORTERS as readonly string[]).includes(item)) {
      if (item !== 'none') out.push(item as ExporterName);
    } else if (isExporterObject(item)) {
      out.push(item as ExporterChoice);
    } else {
      problems.add('exporter', source, item, `${EXPORTERS.join(', ')}, a SpanExporter or a SpanProcessor`);
    }
  }
  return out;
}

function resolveResource(options: TracerOptions, env: Env, problems: Problems): { serviceName: string; attributes: Attributes } {
  const fromEnv = envValue(env, 'OTEL_RESOURCE_ATTRIBUTES');
  const attributes: Attributes = fromEnv ? parseKeyValueList(fromEnv, 'OTEL_RESOURCE_ATTRIBUTES', problems) : {};
  if (options.resourceAttributes !== undefined) {
    if (typeof options.resourceAttributes === 'object' && options.resourceAttributes !== null) {
      Object.assign(attributes, options.resourceAttributes);
    } else {
      problems.add('resourceAttributes', undefined, options.resourceAttributes, 'an object of attribute values');
    }
  }
  const strings: [keyof TracerOptions, string][] = [
    ['serviceVersion', 'service.version'],
    ['environment', 'deployment.environment.name'],
  ];
  for (const [option, key] of strings) {
    const v = options[option];
    if (v === undefined) continue;
    if (typeof v === 'string' && v) attributes[key] = v;
    else problems.add(option, undefined, v, 'a non-empty string');
  }
  const name = pick(options.serviceName, env, 'OTEL_SERVICE_NAME');
  let serviceName = typeof attributes['service.name'] === 'string' ? (attributes['service.name'] as string) : 'unknown_service:node';
  if (name.value !== undefined) {
    if (typeof name.value === 'string' && name.value) serviceName = name.value;
    else problems.add('serviceName', name.source, name.value, 'a non-empty string');
  }
  attributes['service.name'] = serviceName;
  return { serviceName, attributes };
}

function resolveEndpoint(options: TracerOptions, env: Env, problems: Problems): string {
  let endpoint: unknown = options.endpoint;
  let source: string | undefined;
  if (endpoint === undefined) {
    const traces = envValue(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
    const base = envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    if (traces) [endpoint, source] = [traces, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
    else if (base) [endpoint, source] = [`${base.replace(/\/+$/, '')}/v1/traces`, 'OTEL_EXPORTER_OTLP_ENDPOINT'];
    else endpoint = DEFAULT_ENDPOINT;
  }
  try {
    const url = new URL(String(endpoint));
    if ((url.protocol === 'http:' || url.protocol === 'https:') && typeof endpoint === 'string') return endpoint;
  } catch {
    /* reported below */
  }
  problems.add('endpoint', source, endpoint, 'an http:// or https:// URL, e.g. http://localhost:4318/v1/traces');
  return DEFAULT_ENDPOINT;
}

function resolveHeaders(options: TracerOptions, env: Env, problems: Problems): Record<string, string> {
  if (options.headers !== undefined) {
    const h = options.headers as unknown;
    if (typeof h === 'object' && h !== null && Object.values(h).every((v) => typeof v === 'string')) {
      return { ...(h as Record<string, string>) };
    }
    problems.add('headers', undefined, h, 'an object of string header values');
    return {};
  }
  const base = envValue(env, 'OTEL_EXPORTER_OTLP_HEADERS');
  const traces = envValue(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS');
  return {
    ...(base ? parseKeyValueList(base, 'OTEL_EXPORTER_OTLP_HEADERS', problems) : {}),
    ...(traces ? parseKeyValueList(traces, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', problems) : {}),
  };
}

function resolveSampler(options: TracerOptions, env: Env, problems: Problems): { sampler: ResolvedConfig['sampler']; arg: number } {
  let sampler: ResolvedConfig['sampler'] = 'parentbased_always_on';
  const s = pick(options.sampler, env, 'OTEL_TRACES_SAMPLER');
  if (s.value !== undefined) {
    if (isSamplerObject(s.value)) sampler = s.value as ResolvedConfig['sampler'];
    else if (typeof s.value === 'string' && (SAMPLERS as readonly string[]).includes(s.value.toLowerCase())) {
      sampler = s.value.toLowerCase() as SamplerName;
    } else problems.add('sampler', s.source, s.value, `${SAMPLERS.join(', ')} or a Sampler`);
  }
  let arg = 1;
  const a = pick(options.samplerArg, env, 'OTEL_TRACES_SAMPLER_ARG');
  if (a.value !== undefined) {
    const n = typeof a.value === 'string' ? Number(a.value) : a.value;
    if (typeof n === 'number' && n >= 0 && n <= 1) arg = n;
    else problems.add('samplerArg', a.source, a.value, 'a number from 0 to 1');
  }
  return { sampler, arg };
}

function resolveBatch(options: TracerOptions, env: Env, problems: Problems): Required<BatchOptions> {
  const given = options.batch ?? {};
  if (typeof given !== 'object' || given === null) {
    problems.add('batch', undefined, given, 'an object with maxQueueSize, maxQueueBytes, maxExportBatchSize, scheduledDelayMillis, exportTimeoutMillis, overflow');
    return { ...BATCH_DEFAULTS };
  }
  const out = { ...BATCH_DEFAULTS };
  const explicit = new Set<NumericBatchKey>();
  for (const key of Object.keys(BATCH_ENV) as NumericBatchKey[]) {
    const p = pick(given[key], env, BATCH_ENV[key]);
    if (p.value === undefined) continue;
    out[key] = positiveInt(`batch.${key}`, p.source, p.value, BATCH_DEFAULTS[key], problems);
    explicit.add(key);
  }
  const o = pick(given.overflow, env, 'AGENTRACE_BSP_OVERFLOW');
  if (o.value === 'drop' || o.value === 'wait') out.overflow = o.value;
  else if (o.value !== undefined) problems.add('batch.overflow', o.source, o.value, '"drop" or "wait"');
  // A small queue with the default batch size shrinks the batch; a batch size asked for that cannot
  // fit is an error (the SDK would shrink it silently).
  if (!explicit.has('maxExportBatchSize')) out.maxExportBatchSize = Math.min(out.maxExportBatchSize, out.maxQueueSize);
  if (out.maxExportBatchSize > out.maxQueueSize) {
    problems.add('batch.maxExportBatchSize', undefined, out.maxExportBatchSize, `at most batch.maxQueueSize (${out.maxQueueSize})`);
  }
  return out;
}

function resolveToggle<T extends object>(option: string, value: boolean | T | undefined, problems: Problems): false | T {
  if (value === undefined || value === true) return {} as T;
  if (value === false) return false;
  if (typeof value === 'object' && value !== null) return value;
  problems.add(option, undefined, value, 'true, false or an options object');
  return false;
}

/**
 * Combines options, the standard `OTEL_*` environment variables and the defaults, in that order of
 * precedence. Throws one {@link AgentraceConfigError} that lists every invalid value.
 */
export function resolveConfig(options: TracerOptions = {}, env: Env = process.env): ResolvedConfig {
  const problems = new Problems();
  if (typeof options !== 'object' || options === null) {
    problems.add('options', undefined, options, 'an object, or nothing');
    throw new AgentraceConfigError(problems.list);
  }
  const { serviceName, attributes } = resolveResource(options, env, problems);
  const { sampler, arg } = resolveSampler(options, env, problems);

  let disabled = false;
  if (options.disabled !== undefined) {
    if (typeof options.disabled === 'boolean') disabled = options.disabled;
    else problems.add('disabled', undefined, options.disabled, 'true, false');
  } else {
    const raw = envValue(env, 'OTEL_SDK_DISABLED');
    if (raw) disabled = parseBoolean(raw, 'OTEL_SDK_DISABLED', problems);
  }

  let logLevel: LogLevel = 'warn';
  const l = pick(options.logLevel, env, 'OTEL_LOG_LEVEL');
  if (l.value !== undefined) {
    const v = typeof l.value === 'string' ? l.value.toLowerCase() : l.value;
    if ((LOG_LEVELS as readonly unknown[]).includes(v)) logLevel = v as LogLevel;
    else problems.add('logLevel', l.source, l.value, LOG_LEVELS.join(', '));
  }

  const t = pick(options.shutdownTimeoutMillis, env, 'AGENTRACE_SHUTDOWN_TIMEOUT');
  const shutdownTimeoutMillis = t.value === undefined ? 5000 : positiveInt('shutdownTimeoutMillis', t.source, t.value, 5000, problems);

  let handleExit = true;
  if (options.handleExit !== undefined) {
    if (typeof options.handleExit === 'boolean') handleExit = options.handleExit;
    else problems.add('handleExit', undefined, options.handleExit, 'true, false');
  }

  const consoleOptions = options.console ?? {};
  if (typeof consoleOptions !== 'object' || consoleOptions === null) {
    problems.add('console', undefined, consoleOptions, 'an object with write and attributes');
  } else if (consoleOptions.write !== undefined && typeof consoleOptions.write !== 'function') {
    problems.add('console.write', undefined, consoleOptions.write, 'a function (text) => void');
  }

  if (options.logger !== undefined) {
    const lg = options.logger as unknown as Record<string, unknown> | null;
    if (typeof lg !== 'object' || lg === null || typeof lg.error !== 'function' || typeof lg.warn !== 'function') {
      problems.add('logger', undefined, options.logger, 'an object with error(message) and warn(message) functions');
    }
  }

  const config: ResolvedConfig = {
    serviceName,
    resourceAttributes: attributes,
    endpoint: resolveEndpoint(options, env, problems),
    headers: resolveHeaders(options, env, problems),
    exporters: resolveExporters(options, env, problems),
    sampler,
    samplerArg: arg,
    batch: resolveBatch(options, env, problems),
    console: typeof consoleOptions === 'object' && consoleOptions !== null ? consoleOptions : {},
    disabled,
    shutdownTimeoutMillis,
    handleExit,
    logLevel,
    http: resolveToggle('http', options.http, problems),
    queues: resolveToggle('queues', options.queues, problems),
  };
  if (problems.list.length) throw new AgentraceConfigError(problems.list);
  return config;
}
