import { propagation, SpanKind, trace, type Attributes, type Context } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { ATTR_NETWORK_PROTOCOL_VERSION } from '@opentelemetry/semantic-conventions';
import diagnosticsChannel from 'node:diagnostics_channel';
import {
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
import { reporter } from './diagnostics.js';
import { captureHeaders } from './headers.js';
import type { ResolvedHttpConfig } from './internal-types.js';
import { normalizeMethod, outboundContext, runAttributes } from './span-common.js';
import { isModelCallSpan } from './genai/exchange.js';
import { targetOf } from './targets.js';
import { kBodyWatcher, keepUndiciCallerContext, type BodyWatcher } from './undici-caller-context.js';
import { splitAuthority } from './url-parts.js';

/** What undici publishes of a request (the fields we read; undici 6 and 7 alike). */
interface UndiciRequest {
  origin: string;
  method: string;
  path: string;
  headers: (string | string[])[] | string;
  body: unknown;
  addHeader?: (name: string, value: string) => unknown;
}

/** What undici publishes of a response: raw header name/value pairs. */
interface UndiciResponse {
  statusCode: number;
  headers: Buffer[];
}

const kRecord = Symbol('agentrace.undici.client');
type TracedRequest = UndiciRequest & { [kRecord]?: ClientRecord; [kBodyWatcher]?: BodyWatcher };
type Subscriber = (message: unknown) => void;

const createChannel = diagnosticsChannel.channel('undici:request:create') as unknown as { _subscribers?: unknown };

/**
 * True when the official UndiciInstrumentation also listens (the user registered it): it would
 * make a second span and inject a second traceparent, so ours steps aside.
 */
function officialUndiciInstrumentation(): boolean {
  const subscribers = createChannel._subscribers;
  if (!Array.isArray(subscribers)) return false;
  for (const s of subscribers) if (typeof s === 'function' && s.name === 'bound onRequestCreated') return true;
  return false;
}

function hasHeader(headers: UndiciRequest['headers'], name: string): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      const key = headers[i];
      if (typeof key === 'string' && key.length === name.length && key.toLowerCase() === name) return true;
    }
    return false;
  }
  return typeof headers === 'string' && headers.toLowerCase().includes(`${name}:`);
}

function requestHeader(headers: UndiciRequest['headers'], name: string): unknown {
  if (!Array.isArray(headers)) return undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const key = headers[i];
    if (typeof key === 'string' && key.toLowerCase() === name) return headers[i + 1];
  }
  return undefined;
}

function responseHeader(response: UndiciResponse, name: string): string | undefined {
  const headers = response.headers;
  for (let i = 0; i < headers.length; i += 2) {
    const key = headers[i]!;
    if (key.length === name.length && key.toString('latin1').toLowerCase() === name) return headers[i + 1]?.toString('latin1');
  }
  return undefined;
}

/** Sets a propagation header: replaces one the caller (an SDK propagating its own span) already set. */
function setHeader(request: UndiciRequest, name: string, value: string, replace: boolean): void {
  if (replace) {
    const headers = request.headers;
    if (Array.isArray(headers)) {
      for (let i = 0; i < headers.length; i += 2) {
        const key = headers[i];
        if (typeof key === 'string' && key.toLowerCase() === name) {
          headers[i + 1] = value;
          return;
        }
      }
    } else if (typeof headers === 'string') {
      const line = new RegExp(`^${name}:.*$`, 'im');
      if (line.test(headers)) {
        request.headers = headers.replace(line, `${name}: ${value}`);
        return;
      }
    }
  }
  addHeader(request, name, value);
}

function addHeader(request: UndiciRequest, name: string, value: string): void {
  if (typeof request.addHeader === 'function') request.addHeader(name, value);
  else if (Array.isArray(request.headers)) request.headers.push(name, value);
  else if (typeof request.headers === 'string') request.headers += `${name}: ${value}\r\n`;
}

/** Server address and port of an origin, parsed once per origin (agents talk to few). Origins come from outside: bounded at 1,001, emptied when full. */
const origins = new Map<string, { address: string; port: number }>();
function originParts(origin: string): { address: string; port: number } {
  let parts = origins.get(origin);
  if (parts === undefined) {
    const scheme = origin.indexOf('://');
    const https = origin.startsWith('https');
    parts = splitAuthority(scheme === -1 ? origin : origin.slice(scheme + 3).replace(/\/.*$/, ''), https ? 443 : 80);
    if (origins.size > 1000) origins.clear();
    origins.set(origin, parts);
  }
  return parts;
}

/**
 * fetch and undici (`request`, `stream`, `fetch`, Pool/Agent/Client), Node's bundled copy and the
 * npm one, through the diagnostics channels undici publishes: no loader hook, the same in ESM and
 * CommonJS. The span ends with the last body byte (`undici:request:trailers`) or the error. The one
 * patch, on undici's Pool queue and `Request` handler calls, carries the caller's context across
 * connection-limited dispatchers (`undici-caller-context.ts`).
 */
export function instrumentUndici(cfg: ResolvedHttpConfig): () => void {
  const callers = keepUndiciCallerContext();
  const onCreate: Subscriber = (message) => {
    const request = (message as { request: TracedRequest }).request;
    try {
      startUndiciSpan(cfg, request, callers.adopt(request));
    } catch (error) {
      reporter.warnOnce('trace-undici', 'could not trace an outgoing undici/fetch request', error);
    }
  };
  const onSendHeaders: Subscriber = (message) => {
    const { request, socket } = message as { request: TracedRequest; socket: { alpnProtocol?: unknown } };
    const record = request[kRecord];
    // Kept until the response headers, to be set with the status in one call.
    if (record !== undefined) record.protocolVersion = socket?.alpnProtocol === 'h2' ? '2' : '1.1';
  };
  const onHeaders: Subscriber = (message) => {
    const { request, response } = message as { request: TracedRequest; response: UndiciResponse };
    const record = request[kRecord];
    if (record === undefined || record.done) return;
    const attributes: Attributes = {};
    if (record.protocolVersion !== undefined) attributes[ATTR_NETWORK_PROTOCOL_VERSION] = record.protocolVersion;
    recordStatus(record, response.statusCode, attributes);
    record.declaredSize = declaredLength(responseHeader(response, 'content-length'));
    if (cfg.responseHeaders.length > 0) {
      captureHeaders(attributes, 'http.response.header.', cfg.responseHeaders, (name) => responseHeader(response, name));
    }
    record.span.setAttributes(attributes);
    record.genAi?.response(response.statusCode, (name) => responseHeader(response, name));
  };
  const onBodyReceived: Subscriber = (message) => {
    // undici 7 only: Node 20's bundled undici publishes no body chunks.
    const { request, chunk } = message as { request: TracedRequest; chunk: Uint8Array };
    const record = request[kRecord];
    if (record === undefined) return;
    record.counted = (record.counted ?? 0) + chunk.length;
  };
  const onTrailers: Subscriber = (message) => {
    const record = (message as { request: TracedRequest }).request[kRecord];
    if (record !== undefined) finishClientSpan(record, undefined);
  };
  const onError: Subscriber = (message) => {
    const { request, error } = message as { request: TracedRequest; error: unknown };
    const record = request[kRecord];
    if (record === undefined) return;
    // Failed after the headers went out but before a response: the version is still known.
    if (!record.responded && !record.done && record.protocolVersion !== undefined) {
      record.span.setAttribute(ATTR_NETWORK_PROTOCOL_VERSION, record.protocolVersion);
    }
    finishClientSpan(record, error);
  };
  const subscribers: [string, Subscriber][] = [
    ['undici:request:create', onCreate],
    ['undici:client:sendHeaders', onSendHeaders],
    ['undici:request:headers', onHeaders],
    ['undici:request:bodyChunkReceived', onBodyReceived],
    ['undici:request:trailers', onTrailers],
    ['undici:request:error', onError],
  ];
  for (const [name, fn] of subscribers) diagnosticsChannel.subscribe(name, fn);
  return () => {
    for (const [name, fn] of subscribers) diagnosticsChannel.unsubscribe(name, fn);
    callers.restore();
  };
}

function startUndiciSpan(cfg: ResolvedHttpConfig, request: TracedRequest, ctx: Context): void {
  const method = request.method;
  if (method === 'CONNECT') return; // a proxy tunnel, not a request of the app
  if (isTracingSuppressed(ctx)) return;
  if (officialUndiciInstrumentation()) return;
  const url = request.origin + request.path;
  const target = targetOf(cfg, url, request.path, () => originParts(request.origin));
  if (target.isExport || cfg.ignoreOutgoingByUser(method, url)) return;
  const parent = trace.getSpan(ctx);
  // Already propagated: the caller by hand, or the official instrumentation subscribed before us,
  // steps aside. Except under an SDK's own model-call span (the Anthropic SDK propagates its call
  // span on each attempt): the attempt is this span, its child, and propagates itself instead.
  const propagated = hasHeader(request.headers, 'traceparent');
  if (propagated && (target.genAi === undefined || !isSdkModelSpan(parent))) return;
  const call = modelCallOf(target, parent);
  const m = normalizeMethod(method);
  const run = runAttributes(cfg, ctx, call !== undefined);
  const attributes = clientStartAttributes(method, m, target.urlFull, target, run, call);
  if (cfg.requestHeaders.length > 0) captureHeaders(attributes, 'http.request.header.', cfg.requestHeaders, (name) => requestHeader(request.headers, name));
  const startedAt = performance.now();
  const span = cfg.tracer.startSpan(clientSpanName(cfg, m, target.urlFull, attributes, call), { kind: SpanKind.CLIENT, attributes }, ctx);
  // Injected last, after every attribute is set, so nothing can tamper with the propagation headers.
  const carrier: Record<string, string> = {};
  propagation.inject(outboundContext(ctx, run, span, target), carrier);
  for (const key in carrier) setHeader(request, key, carrier[key]!, propagated);
  if (!span.isRecording()) return;
  const record = newClientRecord(span);
  if (call !== undefined) {
    const exchange = watchModelCall(cfg, record, call, startedAt);
    // undici's `request` hands the body over whole; fetch streams it (seen as it is sent).
    exchange.requestBody(request.body);
    request[kBodyWatcher] = {
      onBodySent: (chunk) => exchange.requestChunk(chunk),
      onData: (chunk) => exchange.responseChunk(chunk),
      afterData: (result) => exchange.readerPaused(result === false),
    };
  }
  request[kRecord] = record;
}

/** A model-call span made by an SDK (not ours): the parent its HTTP attempts go under. */
function isSdkModelSpan(span: unknown): boolean {
  return span !== undefined && isModelCallSpan(span);
}
