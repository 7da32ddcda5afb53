import { context, TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { classifyExportResult, type Classified } from './export-outcome.js';
import { details, reporter } from './report.js';
import type { BatchOptions, DropCounts, ExportStats } from './types.js';

/** Backoff after a failed export: doubles from 1 s to at most 30 s, ±20% jitter. */
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** Spans per export while exports fail (probes). */
const PROBE_BATCH = 64;
/** While exports fail, the queue admits this fraction of its bounds: an outage may last, a burst does not. */
const FAILING_FRACTION = 8;
/** Estimated bytes of a span beyond its strings: the objects, ids, times, resource and scope references. */
const SPAN_OVERHEAD_BYTES = 1024;
/** Drops are reported at most this often, with the totals. */
const REPORT_EVERY_MS = 60_000;

/**
 * A cheap estimate of the memory a queued span holds: a fixed overhead plus its attribute, event and
 * link strings (where large captured values live). Counts string length, not exact heap bytes.
 */
function estimateBytes(span: ReadableSpan): number {
  let n = SPAN_OVERHEAD_BYTES + span.name.length;
  const attributes = span.attributes;
  for (const key in attributes) {
    const v = attributes[key];
    n += key.length + (typeof v === 'string' ? v.length : 16);
  }
  const events = span.events;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    n += 64 + e.name.length;
    for (const key in e.attributes) {
      const v = e.attributes[key];
      n += key.length + (typeof v === 'string' ? v.length : 16);
    }
  }
  return n + span.links.length * 64;
}

export interface AccountingBatchOptions extends Required<BatchOptions> {
  /**
   * Sends spans synchronously when the process is exiting (`process.exit()`, an uncaught exception),
   * where no asynchronous export can finish. Returns whether they were accepted.
   */
  exportSync?: (spans: ReadableSpan[], timeoutMillis: number) => boolean;
  /** Where the export goes, for the diagnostics. */
  describeTarget?: string;
  /** Called after the counts change (spans queued, exported, dropped). */
  onChange?: () => void;
  /** Report drops on the diagnostic logger. Default true; false where the owner of the counts reports them. */
  reportDrops?: boolean;
}

/**
 * A batch span processor that never loses a span without counting it. Unlike the SDK's, it keeps a
 * batch the endpoint could not take for a transient reason (connection refused, 5xx, 408, 429) and
 * sends it again with exponential backoff, so an outage costs only what the queue bound cannot hold;
 * it counts every drop by cause, reports them at most once a minute, and can make callers wait for room
 * instead of dropping. It is the only retry layer: give it an exporter that does not retry on its own
 * (the tracer's OTLP exporter does not), or each of its attempts hides the exporter's.
 */
export class AccountingBatchProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  /** Estimated bytes of each queued span, in queue order, and their sum. */
  private sizes: number[] = [];
  private queuedBytes = 0;
  private inFlight: ReadableSpan[] | undefined;
  private exporting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  private failures = 0;
  private stopped = false;
  private waiters: (() => void)[] = [];
  /** Undefined when the owner reports drops itself (`reportDrops: false`). */
  private readonly dropReporter: DropReporter | undefined;
  /** Bumped when the exit takes the in-flight batch, so that its late result is not counted twice. */
  private generation = 0;
  private readonly hardBound: number;
  private readonly hardBytes: number;
  /** While exports fail, the queue admits spans only up to these: an outage may last, a burst does not. */
  private readonly failingBound: number;
  private readonly failingBytes: number;
  private readonly dropped: Omit<DropCounts, 'total'> = { queueFull: 0, exportFailed: 0, exportTimeout: 0, shutdown: 0 };
  private readonly limited = { attributes: 0, events: 0, links: 0 };
  private exported = 0;
  /** Spans per export now: halved when the endpoint says a request is too large, restored on success. */
  private batchLimit: number;
  private failedExports = 0;
  private finalWritten = false;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly options: AccountingBatchOptions,
  ) {
    const headroom = options.overflow === 'wait' ? 2 : 1;
    this.hardBound = options.maxQueueSize * headroom;
    this.hardBytes = options.maxQueueBytes * headroom;
    this.failingBytes = Math.floor(options.maxQueueBytes / FAILING_FRACTION);
    this.batchLimit = options.maxExportBatchSize;
    this.failingBound = Math.max(options.maxExportBatchSize, Math.floor(options.maxQueueSize / FAILING_FRACTION));
    this.dropReporter = options.reportDrops === false ? undefined : new DropReporter(() => this.stats(), options.describeTarget);
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (span.droppedAttributesCount) this.limited.attributes += span.droppedAttributesCount;
    if (span.droppedEventsCount) this.limited.events += span.droppedEventsCount;
    if (span.droppedLinksCount) this.limited.links += span.droppedLinksCount;
    if (this.stopped) {
      this.drop('shutdown', 1);
      return;
    }
    const size = estimateBytes(span);
    const failing = this.failures > 0;
    if (this.queue.length >= (failing ? this.failingBound : this.hardBound) || this.queuedBytes + size > (failing ? this.failingBytes : this.hardBytes)) {
      this.drop('queueFull', 1);
      return;
    }
    this.queue.push(span);
    this.sizes.push(size);
    this.queuedBytes += size;
    this.schedule();
  }

  /** Whether the queue is below `maxQueueSize` and `maxQueueBytes` (callers of `waitForCapacity()` may go on). */
  hasRoom(): boolean {
    return this.queue.length < this.options.maxQueueSize && this.queuedBytes < this.options.maxQueueBytes;
  }

  stats(): ExportStats {
    const d = this.dropped;
    return {
      exported: this.exported,
      pending: this.queue.length + (this.inFlight?.length ?? 0),
      pendingBytes: this.queuedBytes,
      dropped: { ...d, total: d.queueFull + d.exportFailed + d.exportTimeout + d.shutdown },
      limited: { ...this.limited },
      consecutiveFailures: this.failures,
      failedExports: this.failedExports,
    };
  }

  /** Resolves once the queue is below `maxQueueSize` (at once in `'drop'` mode, where nobody waits). */
  waitForCapacity(): Promise<void> {
    if (this.options.overflow !== 'wait' || this.stopped || this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Sends everything queued now, each batch once, ignoring the backoff. Never rejects. */
  async forceFlush(): Promise<void> {
    if (this.exporting) await this.exporting;
    let batches = Math.ceil(this.queue.length / this.options.maxExportBatchSize);
    while (batches-- > 0 && this.queue.length) {
      const before = this.failures;
      await this.exportNext();
      // A transient failure puts the batch back; trying it again at once would fail the same way.
      if (this.failures > before) break;
    }
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    const generation = this.generation;
    await this.forceFlush();
    // The bound passed and the exit took over what was left.
    if (generation !== this.generation) return;
    this.stopped = true;
    this.clearTimer();
    // What is still queued now will not be sent by this process, unless the exit hook sends it.
    this.releaseWaiters();
    if (!this.queue.length) {
      this.writeFinalReport();
      try {
        await this.exporter.shutdown();
      } catch (error) {
        details.debug('exporter shutdown failed', error);
      }
    }
  }

  /**
   * Called when the process is exiting and nothing asynchronous can run any more: sends what is left
   * synchronously if the exporter can, else counts it as lost. Then writes the totals.
   */
  exitNow(timeoutMillis: number): void {
    if (this.finalWritten && !this.queue.length && !this.inFlight) return;
    const left = this.takeForExit();
    let sent = false;
    if (left.length) {
      try {
        // Under 100 ms left: starting a process to send them would overrun the bound.
        sent = timeoutMillis >= 100 && (this.options.exportSync?.(left, timeoutMillis) ?? false);
      } catch (error) {
        details.debug('synchronous export at exit failed', error);
      }
    }
    this.endExit(left.length, sent);
  }

  /**
   * Stops the processor and hands over what is left (in flight first, then queued) for a last send.
   * The in-flight batch's own result, if it ever comes, is no longer counted.
   */
  takeForExit(): ReadableSpan[] {
    this.stopped = true;
    this.clearTimer();
    this.generation++;
    const left = [...(this.inFlight ?? []), ...this.queue];
    this.clearQueue();
    this.inFlight = undefined;
    this.exporting = undefined;
    this.releaseWaiters();
    return left;
  }

  /** Counts the spans taken by `takeForExit()` as exported or lost, and writes the totals. */
  endExit(count: number, sent: boolean): void {
    if (count) {
      if (sent) this.exported += count;
      else this.dropped.shutdown += count;
    }
    this.writeFinalReport();
    // A request still waiting for a hung endpoint must not keep the process alive, nor report later.
    try {
      (this.exporter as { abort?: () => void }).abort?.();
    } catch (error) {
      details.debug('aborting the exporter failed', error);
    }
  }

  /** Counts what is still queued as lost at shutdown (the bound passed before it could be sent). */
  abandonPending(): void {
    this.endExit(this.takeForExit().length, false);
  }

  private clearQueue(): void {
    this.queue = [];
    this.sizes = [];
    this.queuedBytes = 0;
  }

  private schedule(): void {
    if (this.exporting || this.stopped) return;
    const now = Date.now();
    if (this.queue.length >= this.options.maxExportBatchSize && now >= this.retryAt) {
      // Not inside span.end(): the agent's call that ended the span should not pay for serialization.
      this.clearTimer();
      this.timer = setTimeout(() => this.onTimer(), 0);
      this.timer.unref();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => this.onTimer(), Math.max(this.options.scheduledDelayMillis, this.retryAt - now));
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = undefined;
    if (Date.now() < this.retryAt) {
      this.schedule();
      return;
    }
    void this.exportNext();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private exportNext(): Promise<void> {
    if (this.exporting) return this.exporting;
    if (!this.queue.length) return Promise.resolve();
    // While the endpoint fails, a retry is a small probe: serializing a full batch for a request that
    // is likely refused would block the agent's event loop for nothing. Full batches resume on success.
    const batch = this.queue.splice(0, this.failures ? Math.min(this.batchLimit, PROBE_BATCH) : this.batchLimit);
    const sizes = this.sizes.splice(0, batch.length);
    for (const n of sizes) this.queuedBytes -= n;
    this.inFlight = batch;
    const generation = this.generation;
    this.exporting = this.send(batch).then((classified) => {
      // The exit took this batch over and counted it.
      if (generation !== this.generation) return;
      this.inFlight = undefined;
      this.exporting = undefined;
      this.settle(batch, sizes, classified);
      if (this.hasRoom()) this.releaseWaiters();
      if (this.queue.length) this.schedule();
    });
    return this.exporting;
  }

  private send(batch: ReadableSpan[]): Promise<Classified> {
    return new Promise<Classified>((resolve) => {
      let done = false;
      const finish = (result: ExportResult | 'timeout'): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        // The OTLP exporter explains its own failures (ReportingExporter); a user's exporter may not.
        if (!this.options.describeTarget && result !== 'timeout' && result.code !== ExportResultCode.SUCCESS) {
          reporter.error(`the exporter failed to export ${batch.length} spans`, result.error ?? 'no reason given');
        }
        resolve(classifyExportResult(result));
      };
      // The exporter has its own deadline (the same value); this one only guards against an
      // exporter that never calls back.
      const timer = setTimeout(() => finish('timeout'), this.options.exportTimeoutMillis + 1000);
      timer.unref();
      const doExport = (): void => {
        // The export's own HTTP request must not become spans of the agent's traces.
        context.with(suppressTracing(context.active()), () => {
          try {
            this.exporter.export(batch, finish);
          } catch (error) {
            finish({ code: ExportResultCode.FAILED, error: error as Error });
          }
        });
      };
      const pending = batch
        .map((s) => s.resource as { asyncAttributesPending?: boolean; waitForAsyncAttributes?: () => Promise<void> })
        .filter((r) => r.asyncAttributesPending && r.waitForAsyncAttributes);
      if (!pending.length) doExport();
      else Promise.all(pending.map((r) => r.waitForAsyncAttributes!())).then(doExport, (error: unknown) => finish({ code: ExportResultCode.FAILED, error: error as Error }));
    });
  }

  /** Puts spans back at the front of the queue, in order. */
  private requeue(spans: ReadableSpan[], sizes: number[]): void {
    this.queue = spans.concat(this.queue);
    this.sizes = sizes.concat(this.sizes);
    for (const n of sizes) this.queuedBytes += n;
  }

  private settle(batch: ReadableSpan[], sizes: number[], classified: Classified): void {
    this.settleCounts(batch, sizes, classified);
    this.options.onChange?.();
  }

  private settleCounts(batch: ReadableSpan[], sizes: number[], { outcome, retryAfterMillis }: Classified): void {
    if (outcome === 'exported') {
      this.exported += batch.length;
      this.failures = 0;
      this.retryAt = 0;
      this.batchLimit = Math.min(this.options.maxExportBatchSize, this.batchLimit * 2);
      return;
    }
    if (outcome === 'tooLarge' && batch.length > 1 && !this.stopped) {
      // Large captured values make large requests: send the same spans again in halves.
      this.batchLimit = Math.max(1, Math.floor(batch.length / 2));
      this.requeue(batch, sizes);
      return;
    }
    this.failures++;
    this.failedExports++;
    const backoff = Math.min(BACKOFF_FIRST_MS * 2 ** (this.failures - 1), BACKOFF_MAX_MS) * (0.8 + Math.random() * 0.4);
    // An endpoint that says when to come back (429, 503 with Retry-After) is waited for, within the cap.
    this.retryAt = Date.now() + Math.max(backoff, Math.min(retryAfterMillis ?? 0, BACKOFF_MAX_MS));
    if (outcome === 'timeout') {
      this.drop('exportTimeout', batch.length);
    } else if (outcome === 'retry' && !this.stopped) {
      // Back at the front, as much as the bound leaves room for; the rest is lost.
      let room = Math.max(0, this.failingBound - this.queue.length);
      let bytes = this.queuedBytes;
      let kept = 0;
      while (kept < batch.length && room > 0 && bytes + sizes[kept]! <= this.failingBytes) {
        bytes += sizes[kept]!;
        kept++;
        room--;
      }
      this.requeue(batch.slice(0, kept), sizes.slice(0, kept));
      if (kept < batch.length) this.drop('queueFull', batch.length - kept);
    } else {
      this.drop('exportFailed', batch.length);
    }
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private drop(cause: keyof Omit<DropCounts, 'total'>, n: number): void {
    this.dropped[cause] += n;
    this.options.onChange?.();
    if (!this.stopped) this.dropReporter?.noteDrop();
  }

  private writeFinalReport(): void {
    this.finalWritten = true;
    this.options.onChange?.();
    this.dropReporter?.final();
  }
}

/**
 * Says what was dropped: the first drop at once, later ones at most once a minute, always with the
 * totals since start; at the end, the totals (a warning if drops were not reported yet).
 */
export class DropReporter {
  private timer: NodeJS.Timeout | undefined;
  private lastReportAt = 0;
  private reportedTotal = 0;

  constructor(
    private readonly stats: () => ExportStats,
    private readonly describeTarget: string | undefined,
  ) {}

  /** Some spans were just dropped. */
  noteDrop(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastReportAt + REPORT_EVERY_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastReportAt = Date.now();
      this.report('in the last minute');
    }, wait);
    this.timer.unref();
  }

  /** Writes the totals, once the export has stopped. */
  final(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.stats();
    if (s.dropped.total > this.reportedTotal) {
      this.report('since the last report');
    } else {
      details.info(`export totals: ${s.exported} spans exported, ${s.dropped.total} dropped`);
    }
  }

  private report(when: string): void {
    const s = this.stats();
    const d = s.dropped;
    const since = d.total - this.reportedTotal;
    if (since <= 0) return;
    this.reportedTotal = d.total;
    const target = this.describeTarget ? ` to ${this.describeTarget}` : '';
    reporter.warn(
      `${since} spans dropped ${when}${target}; since start: ${d.total} dropped (queue full ${d.queueFull}, ` +
        `export failed ${d.exportFailed}, export timed out ${d.exportTimeout}, lost at shutdown ${d.shutdown}), ` +
        `${s.exported} exported, ${s.pending} pending.` +
        (d.queueFull ? ' Raise batch.maxQueueSize (OTEL_BSP_MAX_QUEUE_SIZE) or use batch.overflow "wait" with handle.waitForCapacity().' : ''),
    );
  }
}
