// HTTP span names: `{method} {url.template}` for a client call whose URL the user templates,
// `{method} {http.route}` for a server request whose route is known, and a hook that names either.
// Without these every span is `GET`/`POST`, and different calls merge in Jaeger's operation list.
import { describeError } from '@agentrace/core';
import { getRPCMetadata, RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { context, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { reporter } from './diagnostics.js';
import type { ResolvedHttpConfig } from './internal-types.js';
import type { HttpSpanNameInfo } from './types.js';

const ATTR_URL_TEMPLATE = 'url.template';
const ATTR_HTTP_ROUTE = 'http.route';
/** Templates and routes are low-cardinality names: a longer one is someone's mistake. */
const MAX_NAME_PART = 256;

/** The name the conventions give an HTTP span with no template or route. */
function methodName(method: string): string {
  return method === '_OTHER' ? 'HTTP' : method;
}

function fromHook(cfg: ResolvedHttpConfig, info: HttpSpanNameInfo): string | undefined {
  const hook = cfg.spanName;
  if (hook === undefined) return undefined;
  try {
    const name = hook(info);
    return typeof name === 'string' && name !== '' ? name.slice(0, MAX_NAME_PART) : undefined;
  } catch (error) {
    reporter.warnOnce('option spanName', `the spanName option threw (${describeError(error)}); those spans keep their default name`);
    return undefined;
  }
}

/**
 * A client span's name, and `url.template` in `attributes` when the `urlTemplate` option gives one
 * for this URL (`url` is the redacted `url.full`).
 */
export function clientHttpSpanName(cfg: ResolvedHttpConfig, method: string, url: string, attributes: Attributes): string {
  let template: string | undefined;
  if (cfg.urlTemplate !== undefined) {
    try {
      const t = cfg.urlTemplate({ method, url });
      if (typeof t === 'string' && t !== '') template = t.slice(0, MAX_NAME_PART);
    } catch (error) {
      reporter.warnOnce('option urlTemplate', `the urlTemplate option threw (${describeError(error)}); those spans go without url.template`);
    }
  }
  if (template !== undefined) attributes[ATTR_URL_TEMPLATE] = template;
  return fromHook(cfg, { kind: 'client', method, url, template }) ?? (template === undefined ? methodName(method) : `${methodName(method)} ${template}`);
}

/** A server span's name at its start (the route is not known yet). */
export function serverHttpSpanName(cfg: ResolvedHttpConfig, method: string, path: string): string {
  return fromHook(cfg, { kind: 'server', method, url: path }) ?? methodName(method);
}

/**
 * `ctx` with OpenTelemetry's RPC metadata for this request: the official framework instrumentations
 * (express, fastify, koa, ...) write the matched route into it, and so does {@link setHttpRoute}.
 */
export function withRouteSlot(ctx: Context, span: Span): { ctx: Context; slot: RPCMetadata } {
  const slot: RPCMetadata = { type: RPCType.HTTP, span };
  return { ctx: setRPCMetadata(ctx, slot), slot };
}

/** Express-style `req.baseUrl` + `req.route.path`, when the framework left them on the request. */
function frameworkRoute(req: unknown): string | undefined {
  try {
    const route = (req as { route?: { path?: unknown } }).route?.path;
    if (typeof route !== 'string') return undefined;
    const base = (req as { baseUrl?: unknown }).baseUrl;
    return `${typeof base === 'string' ? base : ''}${route}`;
  } catch {
    return undefined;
  }
}

/** At the end of a server request: `http.route` and the span's name from the route, if one is known. */
export function nameServerSpanByRoute(cfg: ResolvedHttpConfig, span: Span, slot: RPCMetadata, req: unknown, method: string, path: string): void {
  const found = slot.type === RPCType.HTTP && typeof slot.route === 'string' && slot.route !== '' ? slot.route : frameworkRoute(req);
  if (found === undefined) return;
  const route = found.slice(0, MAX_NAME_PART);
  span.setAttribute(ATTR_HTTP_ROUTE, route);
  span.updateName(fromHook(cfg, { kind: 'server', method, url: path, route }) ?? `${methodName(method)} ${route}`);
}

/**
 * Names the route of the request being handled (e.g. `/users/:id`), for code that routes requests
 * itself: the SERVER span gets `http.route` and the name `{method} {route}` when the request ends.
 * Does nothing outside a traced request. Never throws.
 */
export function setHttpRoute(route: string): void {
  try {
    const slot = getRPCMetadata(context.active());
    if (slot?.type === RPCType.HTTP && typeof route === 'string' && route !== '') slot.route = route;
  } catch {
    // nothing to name
  }
}
