import type { Tracer, TracerProvider } from '@opentelemetry/api';
import type { Target } from './targets.js';

/** Options after defaults and validation; what every part of the package reads. */
export interface ResolvedHttpConfig {
  provider: TracerProvider;
  tracer: Tracer;
  client: boolean;
  server: boolean;
  genAi: boolean;
  runAttributes: boolean;
  /** True when the outgoing request must not be traced (user rules and the exporter URL). */
  ignoreOutgoing(method: string, url: string): boolean;
  /** True for the trace exporter's URL (one part of `ignoreOutgoing`, pure, so cached per URL). */
  isExportUrl(url: string): boolean;
  /** The user's `ignoreOutgoing` rules alone (the other part, never cached). */
  ignoreOutgoingByUser(method: string, url: string): boolean;
  /** Per-URL cache of what the URL says about a request, see `targetOf`. */
  targets: Map<string, Target>;
  /** True when the incoming request must not be traced. */
  ignoreIncoming(method: string, pathAndQuery: string): boolean;
  /** Lower-case header names, credentials headers already removed. */
  requestHeaders: readonly string[];
  responseHeaders: readonly string[];
  /** Query parameter names whose values are redacted. */
  redactedQueryParams: ReadonlySet<string>;
}
