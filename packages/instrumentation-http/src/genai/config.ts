import { describeError, resolveSerializeOptions, SERIALIZE_DEFAULTS, type ResolvedSerializeOptions } from '@agentrace/core';
import { reporter } from '../diagnostics.js';
import type { GenAiOptions } from '../types.js';

/** The GenAI options after defaults, validation and the environment. */
export interface ResolvedGenAiConfig {
  /** Record instructions, messages and tool definitions (opt-in). */
  captureContent: boolean;
  /** Caps and redaction of captured content. */
  content: ResolvedSerializeOptions;
  /** `OTEL_SEMCONV_STABILITY_OPT_IN` lists `gen_ai_latest_experimental`: the newest development names. */
  latest: boolean;
  /** The user's provider for a host, if they named one. */
  providerOf(host: string): string | undefined;
  /** Largest JSON answer (or SSE event) parsed, in bytes: anything bigger is counted, not parsed. */
  maxBodyBytes: number;
  /** A streamed answer its reader holds paused this long with no new chunk ends its span as abandoned (0: never). */
  streamIdleTimeoutMs: number;
}

/** The decorators' bound for a stream nobody reads, used here too. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;

/** Default cap of one JSON body or SSE event parsed for attributes. */
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

/**
 * Content is larger than a tool argument: a conversation is many messages. The core caps apply,
 * with a larger default total (still bounded) unless the user sets their own.
 */
const CONTENT_DEFAULTS = { ...SERIALIZE_DEFAULTS, maxKeys: 200, maxStringLength: 4096, maxBytes: 32_768 };

/** `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`: `true`/`false`, or the enum the GenAI tooling uses with the latest conventions. */
export function captureFromEnv(value: string | undefined): boolean | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'span_only') return true;
  if (v === 'false' || v === 'no_content') return false;
  if (v === 'span_and_event' || v === 'event_only') {
    reporter.warnOnce(
      'genai-capture-events',
      `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=${value}: agentrace records content on spans only, never as events; ${v === 'event_only' ? 'no content is recorded' : 'content goes on the spans'}`,
    );
    return v === 'span_and_event';
  }
  reporter.warnOnce('genai-capture-env', `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT must be true or false, got ${JSON.stringify(value)}; content is not captured`);
  return false;
}

/** Whether `OTEL_SEMCONV_STABILITY_OPT_IN` (a comma-separated list) asks for the newest GenAI conventions. */
export function latestFromEnv(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value.split(',').some((v) => v.trim() === 'gen_ai_latest_experimental');
}

/** `genAi: false` turns recognition off (undefined); `true` or options turn it on. */
export function resolveGenAiConfig(option: boolean | GenAiOptions | undefined): ResolvedGenAiConfig | undefined {
  let options: GenAiOptions = {};
  if (option === false) return undefined;
  if (option !== undefined && option !== true) {
    if (typeof option !== 'object' || option === null) {
      reporter.warnOnce('option genAi', `option genAi must be true, false or an options object, got ${describeError(option)}; using true`);
    } else {
      options = option;
      if (options.enabled === false) return undefined;
    }
  }
  const env = process.env;
  let captureContent = captureFromEnv(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT) ?? false;
  if (options.captureContent !== undefined) {
    if (typeof options.captureContent === 'boolean') captureContent = options.captureContent;
    else reporter.warnOnce('option genAi.captureContent', `option genAi.captureContent must be true or false, got ${describeError(options.captureContent)}; using ${captureContent}`);
  }
  let limits = options.contentLimits;
  if (limits !== undefined && (typeof limits !== 'object' || limits === null)) {
    reporter.warnOnce('option genAi.contentLimits', `option genAi.contentLimits must be an object of serialize options, got ${describeError(limits)}; using the defaults`);
    limits = undefined;
  }
  let maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  if (options.maxBodyBytes !== undefined) {
    if (typeof options.maxBodyBytes === 'number' && Number.isSafeInteger(options.maxBodyBytes) && options.maxBodyBytes >= 1024) maxBodyBytes = options.maxBodyBytes;
    else reporter.warnOnce('option genAi.maxBodyBytes', `option genAi.maxBodyBytes must be an integer of at least 1024, got ${describeError(options.maxBodyBytes)}; using ${DEFAULT_MAX_BODY_BYTES}`);
  }
  let streamIdleTimeoutMs = DEFAULT_STREAM_IDLE_TIMEOUT_MS;
  if (options.streamIdleTimeoutMs !== undefined) {
    const v = options.streamIdleTimeoutMs;
    if (typeof v === 'number' && v >= 0 && Number.isFinite(v)) streamIdleTimeoutMs = Math.floor(v);
    else reporter.warnOnce('option genAi.streamIdleTimeoutMs', `option genAi.streamIdleTimeoutMs must be a number of milliseconds (0 for never), got ${describeError(v)}; using ${DEFAULT_STREAM_IDLE_TIMEOUT_MS}`);
  }
  return {
    streamIdleTimeoutMs,
    captureContent,
    content: resolveSerializeOptions({ ...CONTENT_DEFAULTS, ...limits }),
    latest: latestFromEnv(env.OTEL_SEMCONV_STABILITY_OPT_IN),
    providerOf: providerLookup(options.providers),
    maxBodyBytes,
  };
}

function providerLookup(option: GenAiOptions['providers']): (host: string) => string | undefined {
  if (option === undefined) return () => undefined;
  if (typeof option === 'function') {
    return (host) => {
      try {
        const name = option(host);
        return typeof name === 'string' && name !== '' ? name : undefined;
      } catch (error) {
        reporter.warnOnce('genai-providers', 'the genAi.providers function threw; the provider comes from the host or the API shape', error);
        return undefined;
      }
    };
  }
  if (typeof option === 'object' && option !== null) {
    const map = new Map<string, string>();
    for (const [host, name] of Object.entries(option)) if (typeof name === 'string' && name !== '') map.set(host.toLowerCase(), name);
    return (host) => map.get(host.toLowerCase());
  }
  reporter.warnOnce('option genAi.providers', `option genAi.providers must be an object (host → provider) or a function, got ${describeError(option)}; ignored`);
  return () => undefined;
}
