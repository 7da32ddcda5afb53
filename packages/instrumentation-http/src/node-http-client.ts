import { context, propagation, SpanKind, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { ATTR_NETWORK_PROTOCOL_VERSION } from '@opentelemetry/semantic-conventions';
import diagnosticsChannel from 'node:diagnostics_channel';
import { errorMonitor } from 'node:events';
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { reporter } from './diagnostics.js';
import {
  ABORTED,
  clientSpanName,
  clientStartAttributes,
  declaredLength,
  finishClientSpan,
  modelCallOf,
  newClientRecord,
  recordStatus,
  watchModelCall,
  type ClientRecord,
} from './client-span.js';
import { isModelCallSpan, type GenAiExchange } from './genai/exchange.js';
import { captureHeaders } from './headers.js';
import type { ResolvedHttpConfig } from './internal-types.js';
import { redactUrl } from './redact.js';
import { normalizeMethod, outboundContext, runAttributes } from './span-common.js';
import { targetOf } from './targets.js';
import { splitAuthority } from './url-parts.js';

type RequestFn = (...args: unknown[]) => ClientRequest;

const kRecord = Symbol('agentrace.http.client');
type TracedRequest = ClientRequest & { [kRecord]?: ClientRecord };

/**
 * Patches `request`/`get` of node:http and node:https on the module objects shared by `require` and
 * `import`, then re-syncs the ESM named exports, so apps that imported them first are covered with no
 * loader hook. Responses are observed through the `http.client.response.finish` diagnostics channel
 * so no `response` listener is added (a listener would change whether Node dumps an unread body).
 */
export function patchNodeHttpClient(cfg: ResolvedHttpConfig): () => void {
  let active = true;
  const modules = [
    { mod: http as unknown as Record<string, RequestFn>, protocol: 'http:' },
    { mod: https as unknown as Record<string, RequestFn>, protocol: 'https:' },
  ];
  const restores: (() => void)[] = [];
  for (const { mod, protocol } of modules) {
    const originalRequest = mod.request!;
    const originalGet = mod.get!;
    const request: RequestFn = function request(this: unknown, ...args: unknown[]): ClientRequest {
      if (!active) return originalRequest.apply(this, args);
      const ctx = context.active();
      if (isTracingSuppressed(ctx)) return originalRequest.apply(this, args);
      const req = originalRequest.apply(this, args);
      try {
        startClientSpan(cfg, req as TracedRequest, ctx, args, protocol);
      } catch (error) {
        reporter.warnOnce('trace-node-http-client', 'could not trace an outgoing node:http request', error);
      }
      return req;
    };
    // Node's own `get` calls the module-internal `request`, which would bypass the patch.
    const get: RequestFn = function get(this: unknown, ...args: unknown[]): ClientRequest {
      if (!active) return originalGet.apply(this, args);
      const req = request.apply(this, args);
      req.end();
      return req;
    };
    mod.request = request;
    mod.get = get;
    restores.push(() => {
      if (mod.request === request) mod.request = originalRequest;
      if (mod.get === get) mod.get = originalGet;
    });
  }
  syncBuiltinESMExports();
  const onResponse = (message: unknown): void => {
    const { request, response } = message as { request: TracedRequest; response: IncomingMessage };
    const record = request[kRecord];
    if (record !== undefined && !record.done) observeResponse(cfg, record, response);
  };
  diagnosticsChannel.subscribe('http.client.response.finish', onResponse);
  return () => {
    active = false;
    diagnosticsChannel.unsubscribe('http.client.response.finish', onResponse);
    for (const restore of restores) restore();
    syncBuiltinESMExports();
  };
}

function startClientSpan(cfg: ResolvedHttpConfig, req: TracedRequest, ctx: Context, args: unknown[], defaultProtocol: string): void {
  if (req.headersSent) return;
  const method = req.method;
  const protocol = req.protocol || defaultProtocol;
  const hostHeader = req.getHeader('host');
  const authority = typeof hostHeader === 'string' ? hostHeader : req.host;
  const path = req.path;
  const url = `${protocol}//${authority}${path}`;
  const target = targetOf(cfg, url, path, () => splitAuthority(authority, protocol === 'https:' ? 443 : 80));
  if (target.isExport || cfg.ignoreOutgoingByUser(method, url)) return;
  const parent = trace.getSpan(ctx);
  // A request that already carries a traceparent is traced by someone else (the official
  // instrumentation-http injects before creating the request, or the caller propagates by hand),
  // unless it is an SDK's model-call span propagating itself: the attempt under it is ours.
  if (req.getHeader('traceparent') !== undefined && (target.genAi === undefined || parent === undefined || !isModelCallSpan(parent))) return;
  const call = modelCallOf(target, parent);
  const m = normalizeMethod(method);
  // Credentials given apart from the URL (`auth`, a URL object's user) are not in the cached one;
  // redactUrl puts the marker in place of whatever userinfo it finds.
  const urlFull = hasCredentials(args) ? redactUrl(`${protocol}//user@${authority}${path}`, cfg.redactedQueryParams) : target.urlFull;
  const run = runAttributes(cfg, ctx, call !== undefined);
  const attributes = clientStartAttributes(method, m, urlFull, target, run, call);
  if (cfg.requestHeaders.length > 0) captureHeaders(attributes, 'http.request.header.', cfg.requestHeaders, (name) => req.getHeader(name));
  const startedAt = performance.now();
  const span = cfg.tracer.startSpan(clientSpanName(cfg, m, urlFull, attributes, call), { kind: SpanKind.CLIENT, attributes }, ctx);
  // Injected last, after every attribute hook, so nothing can tamper with the propagation headers.
  const carrier: Record<string, string> = {};
  propagation.inject(outboundContext(ctx, run, span, target), carrier);
  for (const key in carrier) req.setHeader(key, carrier[key]!);
  if (!span.isRecording()) return;
  const record = newClientRecord(span);
  if (call !== undefined) watchRequestBody(req, watchModelCall(cfg, record, call, startedAt));
  req[kRecord] = record;
  // `on`, not `once`: each event comes once per request anyway, and `once` allocates a wrapper.
  req.on(errorMonitor, (error: unknown) => finishClientSpan(record, error));
  req.on('close', () => {
    // Closed with no response and no error: `abort()` or `destroy()` without a reason.
    if (!record.responded) finishClientSpan(record, ABORTED);
  });
}

function observeResponse(cfg: ResolvedHttpConfig, record: ClientRecord, response: IncomingMessage): void {
  const attributes: Attributes = { [ATTR_NETWORK_PROTOCOL_VERSION]: response.httpVersion };
  recordStatus(record, response.statusCode ?? 0, attributes);
  record.declaredSize = declaredLength(rawHeader(response.rawHeaders, 'content-length'));
  if (cfg.responseHeaders.length > 0) captureHeaders(attributes, 'http.response.header.', cfg.responseHeaders, (name) => response.headers[name]);
  record.span.setAttributes(attributes);
  const exchange = record.genAi;
  if (exchange !== undefined) exchange.response(response.statusCode ?? 0, (name) => rawHeader(response.rawHeaders, name));
  if (record.declaredSize === undefined || exchange !== undefined) countBody(response, record);
  response.on('end', () => finishClientSpan(record, undefined));
  response.on(errorMonitor, (error: unknown) => finishClientSpan(record, error));
  response.on('close', () => finishClientSpan(record, response.complete ? undefined : ABORTED));
}

/**
 * A header from `rawHeaders` (first one, as `headers` keeps for content-length). Node builds
 * `response.headers` lazily, on first read: reading it here would make every response pay for an
 * object the app may never ask for.
 */
function rawHeader(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === name.length && key.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

/**
 * Sees each body chunk as the parser hands it to the stream, without a `data` listener (which would
 * switch the stream to flowing mode and change the program).
 */
function countBody(response: IncomingMessage, record: ClientRecord): void {
  const push = response.push;
  record.counted = 0;
  response.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null && chunk !== undefined) {
      record.counted! += (chunk as { length: number }).length;
      record.genAi?.responseChunk(chunk);
    }
    const more = push.call(this, chunk, encoding);
    record.genAi?.readerPaused(!more);
    return more;
  };
}

/** Shows a model call's request body to its exchange as it is written (`write`, `end`), unchanged. */
function watchRequestBody(req: ClientRequest, exchange: GenAiExchange): void {
  const look = (chunk: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    exchange.requestChunk(chunk);
  };
  const { write, end } = req;
  req.write = function (this: ClientRequest, chunk: unknown, ...rest: unknown[]): boolean {
    look(chunk);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ClientRequest['write'];
  req.end = function (this: ClientRequest, chunk?: unknown, ...rest: unknown[]): ClientRequest {
    look(chunk);
    return (end as (...a: unknown[]) => ClientRequest).call(this, chunk, ...rest);
  } as ClientRequest['end'];
}

function hasCredentials(args: unknown[]): boolean {
  for (const arg of args) {
    if (typeof arg === 'string') {
      const scheme = arg.indexOf('://');
      if (scheme !== -1) {
        const at = arg.indexOf('@', scheme);
        const slash = arg.indexOf('/', scheme + 3);
        if (at !== -1 && (slash === -1 || at < slash)) return true;
      }
    } else if (arg instanceof URL) {
      if (arg.username !== '' || arg.password !== '') return true;
    } else if (arg !== null && typeof arg === 'object' && typeof (arg as { auth?: unknown }).auth === 'string') {
      return true;
    }
  }
  return false;
}
