import type { AttributeValue, DiagLogLevel, SpanKind } from '@opentelemetry/api';
import type { TraceSpanKind, TraceTree } from '@agentrace/core';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Options of {@link setupTracing}. */
export interface SetupTracingOptions {
  /** `service.name` of the in-memory resource. Default `'agentrace-test'`. */
  serviceName?: string;
  /**
   * Sequential ids instead of random ones: trace ids `000…001`, `000…002`, span ids likewise,
   * restarting at 1 on every `reset()`. For snapshots. Default false.
   */
  deterministicIds?: boolean;
  /**
   * Report times as their order instead of the clock: each span start and end is 1 ms after the
   * previous one, from 2024-01-01T00:00:00Z (restarting on `reset()`); events sit 1 µs apart just
   * after their span's start. For snapshots. Default false.
   */
  deterministicTimestamps?: boolean;
  /**
   * Forget finished and open spans before each test that does not run concurrently. Takes effect
   * in test files that import `@agentrace/testing/vitest` (which registers the `beforeEach` hook).
   * Default true.
   */
  autoReset?: boolean;
  /**
   * Put the run's correlation id, run attributes and agent name on every span at start, as `init`
   * does (`RunAttributesSpanProcessor` of `@agentrace/core`). Default true.
   */
  runAttributes?: boolean;
  /** More span processors, after the kit's own. Default none. */
  spanProcessors?: readonly SpanProcessor[];
}

/** Any span-like source the queries and assertions accept. */
export type SpanSource = readonly ReadableSpan[] | { spans(): ReadableSpan[] };

/** Any trace source the assertions accept: spans, a tracing setup, one tree or several. */
export type TraceSource = SpanSource | TraceTree | readonly TraceTree[];

/** What to look for. Every given field must match; an empty query matches every span. */
export interface SpanQuery {
  /** Span name, exact or by pattern. */
  name?: string | RegExp;
  /** Span kind, as a name (`'CLIENT'`) or `SpanKind` value. */
  kind?: TraceSpanKind | SpanKind;
  /** Attributes the span carries: exact values, patterns for strings, `undefined` for absent. */
  attributes?: Record<string, AttributeValue | RegExp | undefined>;
  /** Status code. */
  status?: 'UNSET' | 'OK' | 'ERROR';
  /** Trace the span belongs to. */
  traceId?: string;
}

/** A status in a trace shape: the code, or the code and its message (exact or pattern). */
export type StatusShape = 'UNSET' | 'OK' | 'ERROR' | { code: 'UNSET' | 'OK' | 'ERROR'; message?: string | RegExp };

/** One span of a trace shape, with the fields to check; fields left out are not checked. */
export interface SpanShapeObject {
  /** Span name, exact or by pattern. */
  name: string | RegExp;
  /** Span kind. Default: not checked. */
  kind?: TraceSpanKind;
  /** Status. Default: not checked. */
  status?: StatusShape;
  /**
   * Attributes that must be present with these values (others may be present too): an exact value,
   * a RegExp for strings, an asymmetric matcher (`expect.any(Number)`), or `undefined` for absent.
   */
  attributes?: Record<string, unknown>;
  /** Names of the span's events, in order. Default: not checked. */
  events?: readonly string[];
  /** The span's children, exactly. Default: none. */
  children?: readonly SpanShape[];
}

/**
 * One span of a trace shape, compactly: `'name'` (a span with no children),
 * `['name', [children…]]`, or an object with more fields to check.
 */
export type SpanShape = string | readonly [name: string, children: readonly SpanShape[]] | SpanShapeObject;

/** A trace shape: its root span, or an array of roots when the trace has several. */
export type TraceShape = SpanShape | readonly SpanShape[];

/** Options of the trace shape assertion. */
export interface TraceShapeOptions {
  /** Siblings must appear in start order as listed; otherwise in any order. Default false. */
  ordered?: boolean;
}

/** Options of the orphan assertion. */
export interface NoOrphansOptions {
  /** Accept a root whose parent came from another process (a remote parent). Default false. */
  allowRemoteParents?: boolean;
}

/** Options of the cross-run assertion. */
export interface NoCrossRunOptions {
  /** Attribute holding the run's id. Default `'agentrace.correlation_id'`. */
  attribute?: string;
  /** Also require every run to be exactly one trace. Default false (a run may continue in linked traces). */
  oneTracePerRun?: boolean;
}

/** Options of `assertSpansInTheirRuns`. */
export interface SpansInTheirRunsOptions {
  /** Attribute a test puts on a probe span: the correlation id of the run that truly owns it. Default `'test.owner'`. */
  ownerAttribute?: string;
  /** Attribute holding the run's id. Default `'agentrace.correlation_id'`. */
  attribute?: string;
  /** How many probe spans there must be at least (a test that lost its probes must fail). Default 1. */
  minProbes?: number;
}

/** Options of the exception event assertion. */
export interface ExceptionEventOptions {
  /** The `exception.message`, exact or by pattern. Default: not checked. */
  message?: string | RegExp;
}

/** Options of {@link waitForTrace}. */
export interface WaitForTraceOptions {
  /** Service whose traces are searched (`/api/traces?service=`). Required unless `traceId` is given. */
  service?: string;
  /** Fetch this trace (`/api/traces/<id>`) instead of searching by service. */
  traceId?: string;
  /** Name of the root span the trace must have, exact or by pattern. Default: any. */
  root?: string | RegExp;
  /** Wait until the trace has at least this many spans. Default 1. */
  minSpans?: number;
  /** Wait until this returns true for the trace (e.g. the last span arrived). Default: no condition. */
  until?: (tree: TraceTree) => boolean;
  /** Give up after this many milliseconds. Default 30000. */
  timeoutMs?: number;
  /** Jaeger query API base URL. Default {@link jaegerQueryUrl}() (`AGENTRACE_JAEGER_QUERY_URL`, else `http://127.0.0.1:16686`). */
  jaegerUrl?: string;
  /** Traces asked for per search. Default 20. */
  limit?: number;
}

/** Options of {@link captureDiagnostics}. */
export interface CaptureDiagnosticsOptions {
  /** The lowest level captured. Default `DiagLogLevel.WARN` (warnings and errors). */
  logLevel?: DiagLogLevel;
}

/** One message `diag` received. */
export interface CapturedDiagnostic {
  level: 'error' | 'warn' | 'info' | 'debug' | 'verbose';
  /** Every argument joined with spaces: `"@agentrace/x message"` for a component logger. */
  text: string;
  /** The arguments as received. */
  args: unknown[];
}

/** What {@link captureDiagnostics} returns. */
export interface DiagnosticsCapture {
  /** Messages in the order they came; grows while the capture is on. */
  readonly messages: CapturedDiagnostic[];
  /** Stops capturing: turns `diag` off. */
  restore(): void;
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  /** Working directory. Default: the test's. */
  cwd?: string;
  /** The program's environment. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Kill the program (SIGTERM) after this many milliseconds. Default: no limit. */
  timeout?: number;
}

/** How a program run by {@link runProcess} ended, and what it wrote. */
export interface ProcessResult {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link remoteParentContext}. */
export interface RemoteParentOptions {
  /** The trace the other process started: 32 hex digits. */
  traceId: string;
  /** The parent span in the other process: 16 hex digits. */
  spanId: string;
  /** Whether the other process sampled the trace (an unsampled parent: nothing under it records). Default true. */
  sampled?: boolean;
}
