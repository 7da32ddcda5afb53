import { SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_MESSAGING_ATTEMPT,
  ATTR_MESSAGING_REDELIVERED,
  ATTR_RETRY_ATTEMPT,
  ATTR_SAMPLING_KEEP,
  EVENT_RETRY,
  EVENT_STATE_STALE_WRITE,
  scopeOf,
  type RunLifetime,
} from '@agentrace/core';
import { reporter } from './report.js';
import type { TailKeepReason, TailSamplingOptions, TailSamplingStats } from './types.js';

/** The defaults of {@link TailSamplingOptions}, shared with the configuration. */
export const TAIL_SAMPLING_DEFAULTS: Required<TailSamplingOptions> = {
  ratio: 0.1,
  slowRunMillis: 10_000,
  maxSpansPerRun: 4096,
  maxHeldSpans: 65_536,
  maxHoldMillis: 300_000,
};

/** The valid range of each option, shared with the configuration. */
export const TAIL_SAMPLING_LIMITS: Record<keyof TailSamplingOptions, { min: number; max: number; integer: boolean }> = {
  ratio: { min: 0, max: 1, integer: false },
  slowRunMillis: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: false },
  maxSpansPerRun: { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
  maxHeldSpans: { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
  maxHoldMillis: { min: 1, max: Number.MAX_SAFE_INTEGER, integer: false },
};

/** What a message says is accepted for an option. */
export function acceptedTailValue(key: keyof TailSamplingOptions): string {
  const { min, max, integer } = TAIL_SAMPLING_LIMITS[key];
  return `a ${integer ? 'whole ' : ''}number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`;
}

/** The value if it is a valid number for the option (from the environment: its text), else undefined. */
export function parseTailValue(key: keyof TailSamplingOptions, value: unknown): number | undefined {
  const { min, max, integer } = TAIL_SAMPLING_LIMITS[key];
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && n >= min && n <= max && (!integer || Number.isInteger(n)) ? n : undefined;
}

/** Decisions remembered per trace id after a run's spans are released, for spans that start later. */
const MAX_REMEMBERED_DECISIONS = 32_768;

// Evidence a held span can show, as bits: cheap to collect on every span end.
const FAILED = 1;
const STALE_WRITE = 2;
const RETRY = 4;
const FLAGGED = 8;
/** A local root ended with ERROR: the run itself failed, not only a step it recovered from. */
const RUN_FAILED = 16;

type EarlyCause = 'runBudget' | 'heldBudget' | 'age' | 'shutdown';

/** The spans of one trace in this process while its decision is pending. */
interface Run {
  readonly traceId: string;
  /** Spans started while held, in start order, with the context each started in (for the deferred `onStart`). */
  started: Span[];
  contexts: Context[];
  /** Spans ended while held. */
  ended: ReadableSpan[];
  /** Local roots (no parent, a parent in another process, or one this sampler never saw), started while held. */
  roots: Span[];
  /** Of those, the ones not ended yet: the run ends when none is left. */
  openRoots: number;
  /** Longest local root, in ms. */
  rootMillis: number;
  evidence: number;
  /** The run lifetimes of `@agentrace/core` seen in this trace: `keepRun()` marks them. */
  lifetimes: RunLifetime[] | undefined;
  readonly since: number;
}

const EMPTY: never[] = [];

/**
 * The trace id's last 52 bits as a number in [0, 1): random in every id the SDK generates (W3C trace
 * context level 2 puts the randomness at the right), so every process with the same ratio keeps the
 * same runs of a trace that crosses them.
 */
function traceIdFraction(traceId: string): number {
  const n = Number.parseInt(traceId.slice(-13), 16);
  return Number.isFinite(n) ? n / 2 ** 52 : 0;
}

function evidenceOf(span: ReadableSpan): number {
  let e = span.status.code === SpanStatusCode.ERROR ? FAILED : 0;
  const a = span.attributes;
  const keep = a[ATTR_SAMPLING_KEEP];
  if (keep === true || keep === 'true') e |= FLAGGED;
  const attempt = a[ATTR_RETRY_ATTEMPT];
  if (typeof attempt === 'number' && attempt > 1) e |= RETRY;
  const delivery = a[ATTR_MESSAGING_ATTEMPT];
  if ((typeof delivery === 'number' && delivery > 1) || a[ATTR_MESSAGING_REDELIVERED] === true) e |= RETRY;
  const events = span.events;
  for (let i = 0; i < events.length; i++) {
    const name = events[i]!.name;
    if (name === EVENT_STATE_STALE_WRITE) e |= STALE_WRITE;
    else if (name === EVENT_RETRY) e |= RETRY;
  }
  return e;
}

function hrMillis(t: [number, number]): number {
  return t[0] * 1e3 + t[1] / 1e6;
}

/** Options filled with defaults; an invalid one is reported and replaced (`init` has checked them already). */
function settleOptions(options: TailSamplingOptions): Required<TailSamplingOptions> {
  const out = { ...TAIL_SAMPLING_DEFAULTS };
  for (const key of Object.keys(TAIL_SAMPLING_LIMITS) as (keyof TailSamplingOptions)[]) {
    const value: unknown = options[key];
    if (value === undefined) continue;
    const valid = typeof value === 'number' ? parseTailValue(key, value) : undefined;
    if (valid !== undefined) out[key] = valid;
    else reporter.warn(`tailSampling.${key} is ${String(value)}; accepted: ${acceptedTailValue(key)}; using ${out[key]} instead`);
  }
  return out;
}

function zeroStats(): TailSamplingStats {
  return {
    decided: 0,
    kept: { failed: 0, slow: 0, staleWrite: 0, retry: 0, flagged: 0, sampled: 0, unfinished: 0, total: 0 },
    dropped: 0,
    decidedEarly: { runBudget: 0, heldBudget: 0, age: 0, shutdown: 0, total: 0 },
    spans: { kept: 0, dropped: 0 },
    heldRuns: 0,
    heldSpans: 0,
  };
}

/**
 * Run-level tail sampling, in process: holds the spans of each run (the spans of one trace in this
 * process) until its local root ends, then passes the whole run on to the export processors, or
 * drops it. A run is kept when it failed (any span with ERROR status; counted as `retry` or
 * `staleWrite` when only a step failed and the run recovered through one), was slow (a root that took
 * `slowRunMillis` or more), hit a stale write (`state.stale_write`) or a retry (a `retry` event, a
 * retry attempt or a redelivery after the first), was flagged by `keepRun()` or the
 * `agentrace.sampling.keep` attribute; otherwise with probability `ratio`, by trace id. Spans that end
 * after the decision follow it. Memory is bounded: a run past `maxSpansPerRun` spans, the oldest runs
 * while more than `maxHeldSpans` are held, and a run held longer than `maxHoldMillis` are decided early
 * on what they showed so far (said once per cause, counted in `stats()`).
 *
 * Put it after the processors that set attributes at start (run attributes) and in front of the
 * processors that export: they receive `onStart` and `onEnd` of kept spans only, in that order.
 */
export class TailSamplingSpanProcessor implements SpanProcessor {
  private readonly downstream: SpanProcessor[];
  private readonly options: Required<TailSamplingOptions>;
  /** Undecided runs by trace id, oldest first. */
  private readonly held = new Map<string, Run>();
  private heldSpans = 0;
  /**
   * Decisions of released runs, by trace id, oldest first (bounded): spans of the trace that end or start
   * later follow them. Keyed by trace id rather than by span object: a WeakMap entry per span costs the
   * garbage collector more than the sampler's whole work.
   */
  private readonly decisions = new Map<string, boolean>();
  private readonly counts = zeroStats();
  private stopped: Promise<void> | undefined;
  /** After shutdown nothing is held: spans pass straight to the export processors, which count them as they do. */
  private closed = false;

  constructor(downstream: SpanProcessor | readonly SpanProcessor[], options: TailSamplingOptions = {}) {
    this.downstream = Array.isArray(downstream) ? [...(downstream as SpanProcessor[])] : [downstream as SpanProcessor];
    this.options = settleOptions(options);
  }

  onStart(span: Span, parentContext: Context): void {
    try {
      this.start(span, parentContext);
    } catch (error) {
      reporter.errorOnce('tail-sampling-start', 'tail sampling failed on a span start; that span is exported unsampled', error);
    }
  }

  onEnding(span: Span): void {
    if (this.decisions.get(span.spanContext().traceId) !== true) return;
    for (const p of this.downstream) p.onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    try {
      this.end(span);
    } catch (error) {
      reporter.errorOnce('tail-sampling-end', 'tail sampling failed on a span end; that span is exported unsampled', error);
      this.forwardEnd(span);
    }
  }

  /** What the sampler decided since it started, and what it holds now. */
  stats(): TailSamplingStats {
    const out = structuredClone(this.counts);
    out.heldRuns = this.held.size;
    out.heldSpans = this.heldSpans;
    return out;
  }

  /**
   * Decides every held run now, on what it showed so far (a run still open is kept as `unfinished`),
   * and passes the kept ones on synchronously: for a process about to exit.
   */
  decideAll(): void {
    try {
      for (const run of [...this.held.values()]) this.decide(run, 'shutdown');
    } catch (error) {
      reporter.errorOnce('tail-sampling-decide-all', 'tail sampling could not decide the runs still held at exit', error);
    }
  }

  async forceFlush(): Promise<void> {
    // Runs still open stay held: flushing exports what was decided, it does not cut runs short.
    await Promise.all(this.downstream.map((p) => p.forceFlush()));
  }

  shutdown(): Promise<void> {
    this.stopped ??= (async () => {
      this.closed = true;
      this.decideAll();
      await Promise.all(this.downstream.map((p) => p.shutdown()));
    })();
    return this.stopped;
  }

  private start(span: Span, parentContext: Context): void {
    const traceId = span.spanContext().traceId;
    if (this.closed) {
      for (const p of this.downstream) p.onStart(span, parentContext);
      return;
    }
    let run = this.held.get(traceId);
    if (run === undefined) {
      const earlier = this.decisions.get(traceId);
      if (earlier === true) {
        for (const p of this.downstream) p.onStart(span, parentContext);
        return;
      }
      if (earlier === false) return;
      run = this.open(traceId);
    }
    // A local root: no parent, a parent in another process, or the first span of the trace seen here.
    const parent = span.parentSpanContext;
    const root = parent === undefined || parent.isRemote === true || run.started.length === 0;
    if (root) {
      run.roots.push(span);
      run.openRoots++;
    }
    run.started.push(span);
    run.contexts.push(parentContext);
    this.heldSpans++;
    // keepRun() marks the run's lifetime; it is in the context of the run's first span (or of a second root).
    if (root || run.lifetimes === undefined) {
      const lifetime = scopeOf(parentContext)?.run;
      if (lifetime !== undefined && (run.lifetimes === undefined || !run.lifetimes.includes(lifetime))) (run.lifetimes ??= []).push(lifetime);
    }
    if (run.started.length >= this.options.maxSpansPerRun) {
      this.decide(run, 'runBudget');
    } else {
      while (this.heldSpans > this.options.maxHeldSpans) {
        const oldest = this.held.values().next().value as Run;
        this.decide(oldest, 'heldBudget');
      }
    }
  }

  private open(traceId: string): Run {
    const now = Date.now();
    // Runs held past maxHoldMillis are decided as new runs arrive: a root that never ends cannot hold its spans for ever.
    for (const oldest of this.held.values()) {
      if (now - oldest.since <= this.options.maxHoldMillis) break;
      this.decide(oldest, 'age');
    }
    const run: Run = {
      traceId,
      started: [],
      contexts: [],
      ended: [],
      roots: [],
      openRoots: 0,
      rootMillis: 0,
      evidence: 0,
      lifetimes: undefined,
      since: now,
    };
    this.held.set(traceId, run);
    return run;
  }

  private end(span: ReadableSpan): void {
    if (this.closed) {
      this.forwardEnd(span);
      return;
    }
    const traceId = span.spanContext().traceId;
    const run = this.held.get(traceId);
    if (run === undefined) {
      const decision = this.decisions.get(traceId);
      if (decision === false) {
        this.counts.spans.dropped++;
        return;
      }
      // Kept (or, past the remembered decisions, unknown: exported rather than lost).
      if (decision === true) this.counts.spans.kept++;
      this.forwardEnd(span);
      return;
    }
    run.ended.push(span);
    run.evidence |= evidenceOf(span);
    if (run.roots.includes(span as Span)) {
      if (span.status.code === SpanStatusCode.ERROR) run.evidence |= RUN_FAILED;
      run.rootMillis = Math.max(run.rootMillis, hrMillis(span.duration));
      if (--run.openRoots <= 0) this.decide(run, undefined);
    }
  }

  private forwardEnd(span: ReadableSpan): void {
    for (const p of this.downstream) p.onEnd(span);
  }

  private reason(run: Run, early: EarlyCause | undefined): TailKeepReason | undefined {
    const e = run.evidence;
    if (e & RUN_FAILED) return 'failed';
    if (early === undefined && run.rootMillis >= this.options.slowRunMillis) return 'slow';
    if (early !== undefined && Date.now() - run.since >= this.options.slowRunMillis) return 'slow';
    if (e & STALE_WRITE) return 'staleWrite';
    if (e & RETRY) return 'retry';
    // A step failed and the run went on (a fallback, a caught error): kept as failed too.
    if (e & FAILED) return 'failed';
    if (e & FLAGGED || run.lifetimes?.some((l) => l.keep === true)) return 'flagged';
    if (traceIdFraction(run.traceId) < this.options.ratio) return 'sampled';
    return early === 'shutdown' ? 'unfinished' : undefined;
  }

  private decide(run: Run, early: EarlyCause | undefined): void {
    const reason = this.reason(run, early);
    const keep = reason !== undefined;
    this.held.delete(run.traceId);
    this.heldSpans -= run.started.length;
    this.remember(run.traceId, keep);
    const c = this.counts;
    c.decided++;
    if (keep) {
      c.kept[reason]++;
      c.kept.total++;
    } else {
      c.dropped++;
    }
    if (early !== undefined) {
      c.decidedEarly[early]++;
      c.decidedEarly.total++;
      this.reportEarly(run, early, keep ? `kept (${reason})` : 'dropped');
    }
    const { started, contexts, ended } = run;
    run.started = run.contexts = run.ended = run.roots = EMPTY;
    if (!keep) {
      c.spans.dropped += ended.length;
      return;
    }
    // The export processors see each kept span start, then end, as if nothing had been held.
    for (let i = 0; i < started.length; i++) {
      for (const p of this.downstream) p.onStart(started[i]!, contexts[i]!);
    }
    c.spans.kept += ended.length;
    for (const span of ended) this.forwardEnd(span);
  }

  private remember(traceId: string, keep: boolean): void {
    if (this.decisions.size >= MAX_REMEMBERED_DECISIONS) this.decisions.delete(this.decisions.keys().next().value as string);
    this.decisions.set(traceId, keep);
  }

  private reportEarly(run: Run, early: EarlyCause, outcome: string): void {
    const o = this.options;
    const what: Record<EarlyCause, string> = {
      runBudget: `a run (trace ${run.traceId}) reached tailSampling.maxSpansPerRun (${o.maxSpansPerRun} spans) before its root span ended`,
      heldBudget: `the runs held for a decision reached tailSampling.maxHeldSpans (${o.maxHeldSpans} spans), so the oldest (trace ${run.traceId}) was decided before its root span ended`,
      age: `a run (trace ${run.traceId}) was held for more than tailSampling.maxHoldMillis (${o.maxHoldMillis} ms) without its root span ending`,
      shutdown: `tracing stopped while a run (trace ${run.traceId}) was still open`,
    };
    const fix: Record<EarlyCause, string> = {
      runBudget: 'raise maxSpansPerRun if runs this long are normal',
      heldBudget: 'raise maxHeldSpans (memory: about 1-2 KB per held span) or run fewer runs at once',
      age: 'raise maxHoldMillis if runs this long are normal, or end the root span',
      shutdown: 'end runs before shutdown to have them decided whole',
    };
    reporter.warnOnce(
      `tail-sampling-early-${early}`,
      `${what[early]}: it was decided then, on what it had shown so far (${outcome}); its later spans follow that decision. ${fix[early]} (said once; tracer stats() counts every such run in tailSampling.decidedEarly)`,
    );
  }
}
