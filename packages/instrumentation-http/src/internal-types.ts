import type { Tracer } from '@opentelemetry/api';
import type { HostMatcher } from './host-patterns.js';
import type { ResolvedGenAiConfig } from './genai/config.js';
import type { Target } from './targets.js';
import type { HttpRequestInfo, HttpSpanNameInfo } from './types.js';

/** Options after defaults and validation; what every part of the package reads. */
export interface ResolvedHttpConfig {
  /** Replaced in place by `setTracerProvider`, so the patches made with this config need not be redone. */
  tracer: Tracer;
  client: boolean;
  server: boolean;
  /** Model-call recognition, or undefined when off. */
  genAi: ResolvedGenAiConfig | undefined;
  runAttributes: boolean;
  /** True for the trace exporter's URL, never traced (pure, so cached per URL in `targets`). */
  isExportUrl(url: string): boolean;
  /** The user's `ignoreOutgoing` rules (never cached: a predicate may answer differently each time). */
  ignoreOutgoingByUser(method: string, url: string): boolean;
  /** Per-URL cache of what the URL says about a request, see `targetOf`. */
  targets: Map<string, Target>;
  /** True when the incoming request must not be traced. */
  ignoreIncoming(method: string, pathAndQuery: string): boolean;
  /** Lower-case header names, credentials headers already removed. */
  requestHeaders: readonly string[];
  responseHeaders: readonly string[];
  /** Hosts that get `traceparent`/`tracestate`, see `propagateTraceContextTo`. */
  traceContextTo: HostMatcher;
  /** Hosts that get `baggage`, see `propagateBaggageTo`. */
  baggageTo: HostMatcher;
  /** Whether `propagateBaggageTo` was given: only then do identity keys go to the hosts it matches. */
  identityListed: boolean;
  /** Callers whose baggage is trusted with the run's identity, by peer address. */
  trustedCallers: HostMatcher;
  /** Query parameter names whose values are redacted. */
  redactedQueryParams: ReadonlySet<string>;
  urlTemplate: ((request: HttpRequestInfo) => string | undefined) | undefined;
  spanName: ((info: HttpSpanNameInfo) => string | undefined) | undefined;
}
