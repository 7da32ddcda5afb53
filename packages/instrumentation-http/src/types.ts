import type { SerializeOptions } from '@agentrace/core';
import type { TracerProvider } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { HostPattern } from './host-patterns.js';

export type { HostPattern } from './host-patterns.js';

/** What an ignore predicate is given about a request. */
export interface HttpRequestInfo {
  /** `GET`, `POST`, ... as sent. */
  method: string;
  /** The full URL, before redaction (outgoing), or the path and query (incoming). */
  url: string;
}

/**
 * A request to leave untraced: a string matched as a prefix of the URL (a string starting with `/`
 * is matched against the path), a RegExp tested on the URL, or a predicate returning true.
 */
export type HttpIgnoreRule = string | RegExp | ((request: HttpRequestInfo) => boolean);

/**
 * Options of {@link AgentraceHttpInstrumentation} and {@link instrumentHttp}. `enabled` (default
 * true) says whether the constructor enables it, as for every OpenTelemetry instrumentation.
 */
export interface AgentraceHttpInstrumentationConfig extends InstrumentationConfig {
  /**
   * Provider that makes the spans. Default: the global one when the instrumentation is enabled.
   * `setTracerProvider()` (what `registerInstrumentations` and `NodeSDK` call) replaces it.
   */
  tracerProvider?: TracerProvider;
  /** CLIENT spans for outgoing requests (fetch, undici, node:http, node:https). Default true. */
  client?: boolean;
  /** SERVER spans for requests received by node:http/node:https servers, continuing the caller's trace. Default true. */
  server?: boolean;
  /** Outgoing requests never traced. Default: none (the OTLP export is never traced anyway). */
  ignoreOutgoing?: readonly HttpIgnoreRule[];
  /** Incoming requests never traced, matched on the path and query (e.g. `'/health'`). Default: none. */
  ignoreIncoming?: readonly HttpIgnoreRule[];
  /**
   * URLs spans are exported to; requests to them are never traced. Default: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
   * else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`.
   */
  exporterUrl?: string | readonly string[];
  /** Request headers recorded as `http.request.header.<name>`. Default: none. Credentials headers (by name) are never recorded; values are masked. */
  requestHeaders?: readonly string[];
  /** Response headers recorded as `http.response.header.<name>`. Default: none. `set-cookie` is never recorded. */
  responseHeaders?: readonly string[];
  /**
   * Query parameters whose values become `REDACTED` in `url.full` and `url.query`, added to the
   * conventions' list (`sig`, `Signature`, `AWSAccessKeyId`, `X-Goog-Signature`, `X-Amz-Signature`,
   * `X-Amz-Credential`, `X-Amz-Security-Token`) and to names that are secrets by the key rule of
   * `@agentrace/core` (`token`, `api_key`, `client_secret`, ...) or `key`. Default: none added.
   */
  redactedQueryParams?: readonly string[];
  /**
   * Model API calls (OpenAI-compatible, Anthropic, Gemini) become GenAI inference spans: `true`
   * (default), `false`, or options. See the README's "Model calls".
   */
  genAi?: boolean | GenAiOptions;
  /**
   * Hosts outgoing requests send `traceparent` and `tracestate` to (`HostPattern`s: `'*'`, `'internal'`,
   * a host, `'*.example.com'`, a CIDR range, a RegExp tested on the URL). Default `['*']`: trace
   * context holds only random ids and a sampling flag, and a service you call needs it to join the trace.
   */
  propagateTraceContextTo?: readonly HostPattern[];
  /**
   * Hosts outgoing requests send `baggage` to. Default `['internal']` (loopback, private addresses,
   * intranet names): your own services get the run's correlation id, a third-party API gets no baggage.
   * Identity keys of the baggage allowlist (`user.id`, `tenant.id`, `session.id`, `enduser.id`,
   * `gen_ai.conversation.id`) go only to hosts you list here yourself; with the default they are left out.
   */
  propagateBaggageTo?: readonly HostPattern[];
  /**
   * Peers (matched on the address the request came from; `HostPattern`s, e.g. `['10.0.0.0/8']` or
   * `['internal']`) whose baggage may set the run's identity (correlation id, `user.id`, ...) on the
   * SERVER span and the runs the request starts. Default: none; other callers' identity values are
   * recorded as `agentrace.caller.<key>` (see `trustInboundBaggage` of the tracer for trusting all).
   */
  trustedCallers?: readonly HostPattern[];
  /**
   * Copy the run attributes (agent name, correlation id) onto HTTP spans, for providers without the
   * agentrace span processor. Default true.
   */
  runAttributes?: boolean;
  /**
   * The `url.template` of an outgoing request (e.g. `/users/{id}`), given its method and redacted
   * URL; return undefined for none. The CLIENT span is then named `{method} {url.template}`, as the
   * conventions say, instead of `GET`. Default: none. A model API call is named by the GenAI
   * conventions instead.
   */
  urlTemplate?: (request: HttpRequestInfo) => string | undefined;
  /**
   * Names CLIENT and SERVER spans: return a name, or undefined for the default (`{method}`,
   * `{method} {url.template}`, `{method} {http.route}`). Called at the start of each span and, for a
   * server span whose route became known, again at its end. Keep names low-cardinality (a template or
   * route, never an id). Default: none.
   */
  spanName?: (info: HttpSpanNameInfo) => string | undefined;
}

/** What the `spanName` option is given. */
export interface HttpSpanNameInfo {
  kind: 'client' | 'server';
  /** `GET`, `POST`, ... (`_OTHER` for a method the conventions do not know). */
  method: string;
  /** Client: the full URL, redacted. Server: the path. */
  url: string;
  /** Client: the `url.template` the `urlTemplate` option gave, if any. */
  template?: string;
  /** Server: the matched route (from the framework, its instrumentation or `setHttpRoute`), at the span's end. */
  route?: string;
}

/** Options of the model-call spans (`genAi`). */
export interface GenAiOptions {
  /** Recognise model API calls. Default true. */
  enabled?: boolean;
  /**
   * Record `gen_ai.system_instructions`, `gen_ai.input.messages`, `gen_ai.output.messages` and
   * `gen_ai.tool.definitions` (JSON text in the conventions' structures, capped and redacted).
   * Default: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (`true`, or `SPAN_ONLY` /
   * `SPAN_AND_EVENT`), else false.
   */
  captureContent?: boolean;
  /**
   * Caps and redaction of captured content (`serializeValue` options of `@agentrace/core`). Default:
   * core's rules and caps, with 200 entries per list, 4,096 characters per string and 32 KiB per attribute.
   */
  contentLimits?: SerializeOptions;
  /**
   * `gen_ai.provider.name` for hosts agentrace does not know (a local vLLM or Ollama, a gateway): a map
   * from host name to provider, or a function of the host. Default: well-known hosts, else the API's
   * shape (`openai`, `anthropic`, `gcp.gen_ai`).
   */
  providers?: Readonly<Record<string, string>> | ((host: string) => string | undefined);
  /** Largest JSON answer or single streamed event parsed, in bytes (larger ones are skipped). Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * A streamed answer whose reader stopped reading (it holds the stream paused, with no new chunk,
   * this long) ends its span with what was seen, marked `agentrace.abandoned`. For SDKs that drop a
   * stream without cancelling it (a `break` out of `@google/genai`'s stream). 0 turns it off. Default
   * 300,000 ms, as the decorators' `streamIdleTimeoutMs`.
   */
  streamIdleTimeoutMs?: number;
}

/** What {@link instrumentHttp} returns. */
export interface HttpInstrumentationHandle {
  /** Stops making spans and restores what was patched. Safe to call twice, and unbound (`const { disable } = handle`). */
  disable(): void;
}
