import { SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { RunScope } from '@agentrace/core';
import type { AttemptHost } from './retry.js';
import { sanitizeAttributes } from '@agentrace/core';
import { captureOutput } from './capture-site.js';
import { config } from './config.js';
import { recordError } from './errors.js';
import type { Spec } from './internal-types.js';
import { trackOpen, untrackOpen, type OpenSpan } from './open-spans.js';
import { safeCall } from './report.js';
import {
  ATTR_ABANDONED,
  ATTR_CANCELLED,
  ATTR_STREAM_CHUNKS,
  ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS,
  EVENT_CANCELLED,
  EVENT_FIRST_CHUNK,
} from './semconv.js';

/**
 * One traced call: its span and how it ends. Ending is idempotent (a stream can end, error and be
 * abandoned in any order; only the first counts).
 */
export class Call implements OpenSpan {
  ended = false;
  chunks = 0;
  /** Reads in flight: a stream waiting on its source is not idle. */
  pending = 0;
  lastActivityMs = 0;
  cancelled = false;
  /** The result is a stream or iterator: the span reports its chunk count. */
  streaming = false;
  warned = false;
  prevOpen: OpenSpan | undefined = undefined;
  nextOpen: OpenSpan | undefined = undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private signal: AbortSignal | undefined;
  readonly startMs: number;

  constructor(
    readonly span: Span,
    /** The context with this call's span active: where its work runs. */
    readonly ctx: Context,
    readonly spec: Spec,
    readonly self: unknown,
    readonly args: unknown[],
    readonly recording: boolean,
    readonly spanName: string,
    /** The run scope the span was started in (its attributes go on attempt spans). */
    readonly scope: RunScope | undefined,
  ) {
    this.startMs = recording ? Date.now() : 0;
    if (recording) trackOpen(this);
  }

  /** Ends OK with `value` as the result. */
  ok(value: unknown): void {
    if (this.ended) return;
    if (this.recording) {
      const mapper = this.spec.options.resultAttributes;
      if (mapper !== undefined) {
        const attributes = safeCall(this.spec, 'resultAttributes', mapper, [value, ...this.args]);
        if (attributes != null && typeof attributes === 'object') this.span.setAttributes(sanitizeAttributes(attributes));
      }
      captureOutput(this, value);
    }
    this.finish();
  }

  /** Ends with `error` (recorded unless expected). */
  fail(error: unknown): void {
    if (this.ended) return;
    if (this.recording) {
      try {
        recordError(this.span, error, this.spec);
      } catch {
        // A hostile thrown value (revoked proxy, throwing getters): the span still ends, and the caller
        // still gets the very same object.
        this.span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    this.finish();
  }

  /** Ends a stream or thenable that nobody consumed within the idle bound. */
  abandon(): void {
    if (this.ended) return;
    this.span.setAttribute(ATTR_ABANDONED, true);
    this.finish();
  }

  /** A chunk (stream) or value (iterator) went through. */
  chunk(): void {
    if (!this.recording) return;
    const now = Date.now();
    this.lastActivityMs = now;
    if (++this.chunks === 1 && !this.ended) {
      this.span.setAttribute(ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS, now - this.startMs);
      this.span.addEvent(EVENT_FIRST_CHUNK);
    }
  }

  /** The consumer asked for more (or touched a thenable). */
  touch(): void {
    if (this.recording) this.lastActivityMs = Date.now();
  }

  /** Starts the idle bound for a returned stream, iterator or thenable. */
  watchIdle(): void {
    this.streaming = true;
    if (!this.recording || this.ended || config.streamIdleTimeoutMs === Infinity) return;
    this.lastActivityMs = Date.now();
    this.armIdle(config.streamIdleTimeoutMs);
  }

  private armIdle(ms: number): void {
    this.idleTimer = setTimeout(() => this.checkIdle(), ms);
    this.idleTimer.unref?.();
  }

  private checkIdle(): void {
    this.idleTimer = undefined;
    if (this.ended) return;
    const bound = config.streamIdleTimeoutMs;
    const idle = Date.now() - this.lastActivityMs;
    if (this.pending === 0 && idle >= bound) this.abandon();
    else this.armIdle(this.pending === 0 ? Math.max(1, bound - idle) : bound);
  }

  /** Where retry attempts run: children of this call's span. */
  attemptHost(tracer: Tracer): AttemptHost {
    return {
      tracer,
      ctx: this.ctx,
      parentSpan: this.recording ? this.span : undefined,
      spanName: this.spanName,
      attributes: this.scope?.attributes ?? {},
      signal: this.signal,
    };
  }

  /** Listens to the call's AbortSignal until the span ends. */
  watchSignal(signal: AbortSignal): void {
    this.signal = signal;
    if (signal.aborted) {
      this.onAbort();
      return;
    }
    signal.addEventListener('abort', this, { once: true });
  }

  /** EventListener interface: the object itself listens, so no closure per call. */
  handleEvent(): void {
    this.onAbort();
  }

  private onAbort(): void {
    if (this.ended || this.cancelled) return;
    this.cancelled = true;
    const reason = (this.signal as AbortSignal | undefined)?.reason as unknown;
    const description =
      reason instanceof Error ? `${reason.name}: ${reason.message}` : reason === undefined ? 'aborted' : String(reason);
    this.span.addEvent(EVENT_CANCELLED, { 'agentrace.cancel.reason': description });
    this.span.setAttribute(ATTR_CANCELLED, true);
  }

  private finish(): void {
    this.ended = true;
    // Only the run's own call ends its lifetime; its steps share the scope's lifetime object.
    if (this.spec.operation === 'run' && this.scope?.run !== undefined) this.scope.run.ended = true;
    if (this.recording) {
      if (this.cancelled) this.span.setStatus({ code: SpanStatusCode.ERROR, message: 'cancelled' });
      if (this.streaming) this.span.setAttribute(ATTR_STREAM_CHUNKS, this.chunks);
      untrackOpen(this);
      if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
      if (this.signal !== undefined) this.signal.removeEventListener('abort', this);
    }
    this.span.end();
  }
}
