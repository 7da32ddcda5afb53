import { detectGenAiCall, type GenAiCall } from './genai/detect.js';
import type { ResolvedHttpConfig } from './internal-types.js';
import { redactUrl } from './redact.js';

/** What a request URL alone says about the request: the same for every request to that URL. */
export interface Target {
  /** `url.full`, redacted. */
  urlFull: string;
  address: string;
  port: number;
  /** True for the trace exporter's own URL, never traced. */
  isExport: boolean;
  /** Set for a well-known model API call. */
  genAi: GenAiCall | undefined;
  /** Whether `traceparent` and `tracestate` go to this host (`propagateTraceContextTo`). */
  traceContext: boolean;
  /** What of the baggage goes to this host (`propagateBaggageTo`): none, all but the identity keys, or all. */
  baggage: 'none' | 'without-identity' | 'all';
}

/** Bound of the per-URL cache (URLs come from outside: query strings, ids): at most 512 entries, a full cache is simply emptied. */
const MAX_TARGETS = 512;

/**
 * The target of `url`, worked out once per URL and configuration: an agent, like a keep-alive loop,
 * calls the same few URLs over and over, and redaction, exporter matching and address parsing are
 * pure string work whose cost per request shows next to a loopback round trip. User ignore rules
 * are not cached (a predicate may answer differently each time).
 */
export function targetOf(
  cfg: ResolvedHttpConfig,
  url: string,
  path: string,
  locate: () => { address: string; port: number },
): Target {
  let target = cfg.targets.get(url);
  if (target === undefined) {
    const { address, port } = locate();
    const host = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
    target = {
      urlFull: redactUrl(url, cfg.redactedQueryParams),
      address,
      port,
      isExport: cfg.isExportUrl(url),
      genAi: cfg.genAi !== undefined ? detectGenAiCall(cfg.genAi, address, path) : undefined,
      traceContext: cfg.traceContextTo(host, url),
      baggage: !cfg.baggageTo(host, url) ? 'none' : cfg.identityListed ? 'all' : 'without-identity',
    };
    if (cfg.targets.size >= MAX_TARGETS) cfg.targets.clear();
    cfg.targets.set(url, target);
  }
  return target;
}
