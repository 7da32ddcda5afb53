import { describeError } from '@agentrace/core';
import type { Tracer } from '@opentelemetry/api';
import { reporter } from './diagnostics.js';
import { resolveGenAiConfig } from './genai/config.js';
import { normalizeHeaderNames } from './headers.js';
import { compileHostPatterns, isInternalHost, MATCH_ALL, MATCH_NONE } from './host-patterns.js';
import type { ResolvedHttpConfig } from './internal-types.js';
import { DEFAULT_REDACTED_QUERY_PARAMS } from './redact.js';
import type { AgentraceHttpInstrumentationConfig, HttpIgnoreRule } from './types.js';

type Matcher = (method: string, url: string) => boolean;

const never: Matcher = () => false;

/** Applies defaults and validates; a bad option is reported once and replaced by its default. */
export function resolveConfig(options: AgentraceHttpInstrumentationConfig, tracer: Tracer): ResolvedHttpConfig {
  const exporterUrls = resolveExporterUrls(options.exporterUrl);
  return {
    tracer,
    client: flag(options.client, 'client', true),
    server: flag(options.server, 'server', true),
    genAi: resolveGenAiConfig(options.genAi),
    runAttributes: flag(options.runAttributes, 'runAttributes', true),
    isExportUrl: (url) => {
      for (const prefix of exporterUrls) if (url.startsWith(prefix)) return true;
      return false;
    },
    ignoreOutgoingByUser: compileRules(options.ignoreOutgoing, 'ignoreOutgoing'),
    targets: new Map(),
    ignoreIncoming: compileRules(options.ignoreIncoming, 'ignoreIncoming'),
    requestHeaders: normalizeHeaderNames(options.requestHeaders, 'requestHeaders'),
    responseHeaders: normalizeHeaderNames(options.responseHeaders, 'responseHeaders'),
    traceContextTo: compileHostPatterns(options.propagateTraceContextTo, 'propagateTraceContextTo', MATCH_ALL),
    baggageTo: compileHostPatterns(options.propagateBaggageTo, 'propagateBaggageTo', (host) => isInternalHost(host)),
    identityListed: Array.isArray(options.propagateBaggageTo),
    trustedCallers: compileHostPatterns(options.trustedCallers, 'trustedCallers', MATCH_NONE),
    redactedQueryParams: new Set([...DEFAULT_REDACTED_QUERY_PARAMS, ...stringList(options.redactedQueryParams, 'redactedQueryParams')]),
    urlTemplate: fn(options.urlTemplate, 'urlTemplate'),
    spanName: fn(options.spanName, 'spanName'),
  };
}

function fn<F>(value: F | undefined, name: string): F | undefined {
  if (value === undefined || typeof value === 'function') return value;
  reporter.warnOnce(`option ${name}`, `option ${name} must be a function, got ${describeError(value)}; ignored`);
  return undefined;
}

function flag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  reporter.warnOnce(`option ${name}`, `option ${name} must be true or false, got ${describeError(value)}; using ${fallback}`);
  return fallback;
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  reporter.warnOnce(`option ${name}`, `option ${name} must be an array of strings, got ${describeError(value)}; ignored`);
  return [];
}

/** The exporter's URL without its path, plus the full URL, so both the export and its retries match. */
function resolveExporterUrls(option: AgentraceHttpInstrumentationConfig['exporterUrl']): string[] {
  const given = option === undefined ? [] : typeof option === 'string' ? [option] : Array.isArray(option) ? [...option] : null;
  if (given === null) {
    reporter.warnOnce('option exporterUrl', `option exporterUrl must be a URL string or an array of them, got ${describeError(option)}; using the environment`);
  }
  const urls = given ?? [];
  const env = process.env;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) urls.push(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) urls.push(`${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  urls.push('http://localhost:4318/v1/traces');
  const out = new Set<string>();
  for (const url of urls) {
    if (typeof url !== 'string' || url === '') continue;
    out.add(url);
    // Node may print 127.0.0.1 where the option says localhost (and back): match both spellings.
    if (url.includes('//localhost')) out.add(url.replace('//localhost', '//127.0.0.1'));
    else if (url.includes('//127.0.0.1')) out.add(url.replace('//127.0.0.1', '//localhost'));
  }
  return [...out];
}

function compileRules(rules: readonly HttpIgnoreRule[] | undefined, option: string): Matcher {
  if (rules === undefined) return never;
  if (!Array.isArray(rules)) {
    reporter.warnOnce(`option ${option}`, `option ${option} must be an array of strings, RegExps or functions, got ${describeError(rules)}; ignoring nothing`);
    return never;
  }
  const prefixes: string[] = [];
  const paths: string[] = [];
  const patterns: RegExp[] = [];
  const predicates: ((info: { method: string; url: string }) => boolean)[] = [];
  for (const rule of rules as unknown[]) {
    if (typeof rule === 'string') (rule.startsWith('/') ? paths : prefixes).push(rule);
    else if (rule instanceof RegExp) patterns.push(rule);
    else if (typeof rule === 'function') predicates.push(rule as (info: { method: string; url: string }) => boolean);
    else reporter.warnOnce(`option ${option} rule`, `option ${option}: ${describeError(rule)} is not a string, RegExp or function; skipped`);
  }
  if (prefixes.length + paths.length + patterns.length + predicates.length === 0) return never;
  return (method, url) => {
    for (const p of prefixes) if (url.startsWith(p)) return true;
    if (paths.length > 0) {
      const path = pathOf(url);
      for (const p of paths) if (path.startsWith(p)) return true;
    }
    for (const re of patterns) {
      re.lastIndex = 0;
      if (re.test(url)) return true;
    }
    for (const predicate of predicates) {
      try {
        if (predicate({ method, url }) === true) return true;
      } catch (error) {
        reporter.warnOnce(`${option} predicate`, `an ${option} predicate threw; the request is traced`, error);
      }
    }
    return false;
  };
}

function pathOf(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme === -1) return url;
  const slash = url.indexOf('/', scheme + 3);
  return slash === -1 ? '/' : url.slice(slash);
}
