import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { acceptInboundContext, callerAttributes, inboundHeaderGetter } from '@agentrace/core';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { reporter } from './diagnostics.js';
import { captureHeaders } from './headers.js';
import type { ResolvedHttpConfig } from './internal-types.js';
import { mayNeedRedaction, redactQuery } from './redact.js';
import { ATTR_AGENTRACE_HTTP_ABORTED, ATTR_HTTP_RESPONSE_BODY_SIZE } from './semconv.js';
import { normalizeMethod, runAttributes } from './span-common.js';
import { nameServerSpanByRoute, serverHttpSpanName, withRouteSlot } from './span-naming.js';
import { splitAuthority } from './url-parts.js';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

/** shimmer (used by the official instrumentations) marks what it wrapped this way. */
function isShimmerWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { __wrapped?: unknown }).__wrapped === true;
}

/**
 * Wraps `emit` on the http and https Server prototypes so each `request` event runs inside a SERVER
 * span continuing the caller's trace. Prototype patching reaches servers created before the call and
 * works the same for ESM and CommonJS apps, with no loader hook.
 */
export function patchNodeHttpServer(cfg: ResolvedHttpConfig): () => void {
  let active = true;
  const restores = [
    patchPrototype(http.Server.prototype as unknown as { emit: Emit }, 'http', () => active, cfg),
    patchPrototype(https.Server.prototype as unknown as { emit: Emit }, 'https', () => active, cfg),
  ];
  return () => {
    active = false;
    for (const restore of restores) restore();
  };
}

function patchPrototype(proto: { emit: Emit }, scheme: string, isActive: () => boolean, cfg: ResolvedHttpConfig): () => void {
  const own = Object.getOwnPropertyDescriptor(proto, 'emit');
  const inherited = proto.emit;
  const emit: Emit = function emit(this: unknown, event, ...args) {
    if (
      event !== 'request' ||
      !isActive() ||
      // The official instrumentation-http wrapped emit, before or after us: it makes the SERVER span.
      isShimmerWrapped(inherited) ||
      (proto.emit !== emit && isShimmerWrapped(proto.emit))
    ) {
      return inherited.call(this, event, ...args);
    }
    let ctx: Context | undefined;
    try {
      ctx = startServerSpan(cfg, args[0] as IncomingMessage, args[1] as ServerResponse, scheme);
    } catch (error) {
      reporter.warnOnce('trace-node-http-server', 'could not trace an incoming node:http request', error);
    }
    if (ctx === undefined) return inherited.call(this, event, ...args);
    return context.with(ctx, () => inherited.call(this, event, ...args));
  };
  proto.emit = emit;
  return () => {
    if (proto.emit !== emit) return; // someone wrapped over us; `isActive()` now makes us pass through
    if (own === undefined) delete (proto as { emit?: Emit }).emit;
    else Object.defineProperty(proto, 'emit', own);
  };
}

function startServerSpan(cfg: ResolvedHttpConfig, req: IncomingMessage, res: ServerResponse, scheme: string): Context | undefined {
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  if (cfg.ignoreIncoming(method, target)) return undefined;
  // An incoming request starts from the caller's context, never from whatever the socket carried. Its
  // baggage is the caller's word: checked against the W3C grammar and limits by the getter, and trusted
  // with the run's identity only for the callers the options name.
  const remote = req.socket?.remoteAddress;
  const parent = acceptInboundContext(
    propagation.extract(ROOT_CONTEXT, req.headers, inboundHeaderGetter),
    'caller',
    remote !== undefined && cfg.trustedCallers(remote, remote),
  );
  const q = target.indexOf('?');
  const headers = req.headers;
  const { address, port } = splitAuthority(headers.host ?? req.socket?.localAddress ?? '', scheme === 'https' ? 443 : 80);
  const m = normalizeMethod(method);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: m,
    [ATTR_URL_PATH]: q === -1 ? target : target.slice(0, q),
    [ATTR_URL_SCHEME]: scheme,
    [ATTR_SERVER_ADDRESS]: address,
    [ATTR_SERVER_PORT]: port,
    [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
  };
  if (q !== -1) {
    const query = target.slice(q + 1);
    attributes[ATTR_URL_QUERY] = mayNeedRedaction(target, cfg.redactedQueryParams) ? redactQuery(query, cfg.redactedQueryParams) : query;
  }
  if (m === '_OTHER') attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  if (remote !== undefined) {
    attributes[ATTR_CLIENT_ADDRESS] = remote;
    attributes[ATTR_NETWORK_PEER_ADDRESS] = remote;
  }
  const agent = headers['user-agent'];
  if (agent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = agent;
  const run = runAttributes(cfg, parent, false);
  if (run !== undefined) Object.assign(attributes, run);
  const claims = callerAttributes(parent);
  if (claims !== undefined) Object.assign(attributes, claims);
  if (cfg.requestHeaders.length > 0) captureHeaders(attributes, 'http.request.header.', cfg.requestHeaders, (name) => headers[name]);
  const path = q === -1 ? target : target.slice(0, q);
  const span = cfg.tracer.startSpan(serverHttpSpanName(cfg, m, path), { kind: SpanKind.SERVER, attributes }, parent);
  // The handler runs with a slot for its route, which a framework's instrumentation or setHttpRoute fills.
  const { ctx, slot } = withRouteSlot(trace.setSpan(parent, span), span);
  if (span.isRecording()) {
    let done = false;
    const end = (aborted: boolean): void => {
      if (done) return;
      done = true;
      nameServerSpanByRoute(cfg, span, slot, req, m, path);
      endServerSpan(cfg, span, res, aborted);
    };
    res.once('finish', () => end(false));
    res.once('close', () => end(!res.writableFinished));
  }
  // Body and response events come from the socket's context; bind them to the request's.
  context.bind(ctx, req);
  context.bind(ctx, res);
  return ctx;
}

function endServerSpan(cfg: ResolvedHttpConfig, span: Span, res: ServerResponse, aborted: boolean): void {
  const status = res.statusCode;
  const attributes: Attributes = { [ATTR_HTTP_RESPONSE_STATUS_CODE]: status };
  const length = res.getHeader('content-length');
  if (length !== undefined) {
    const n = Number(length);
    if (Number.isSafeInteger(n) && n >= 0) attributes[ATTR_HTTP_RESPONSE_BODY_SIZE] = n;
  }
  if (cfg.responseHeaders.length > 0) captureHeaders(attributes, 'http.response.header.', cfg.responseHeaders, (name) => res.getHeader(name));
  if (aborted) attributes[ATTR_AGENTRACE_HTTP_ABORTED] = true;
  // Server side, only 5xx is the server's fault (the conventions leave 4xx unset).
  if (status >= 500) {
    attributes[ATTR_ERROR_TYPE] = String(status);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.setAttributes(attributes);
  span.end();
}
