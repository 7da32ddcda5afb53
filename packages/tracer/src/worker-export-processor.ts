import { TraceFlags, diag } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AccountingBatchProcessor, DropReporter } from './batch-processor.js';
import { createBoardMemory, droppedOf, EXIT_DONE, ExportBoard, type BoardValues } from './export-board.js';
import type { FromWorker, ToWorker, WorkerSetup } from './export-worker-protocol.js';
import { details, reporter } from './report.js';
import { SpanTableReader, SpanTableWriter } from './span-table.js';
import type { DropCounts, ExportStats } from './types.js';

/** Spans buffered on the agent's thread before a table goes to the worker. */
const POST_AT_SPANS = 1024;
/** Longest a span waits on the agent's thread before its table goes: short, so that it dies young. */
const POST_EVERY_MS = 20;
/** How often a caller of `waitForCapacity()` looks at the worker's queue again. */
const CAPACITY_POLL_MS = 5;

/** What `init` needs of an export pipeline, in the agent's thread or behind a worker. */
export interface ExportPipeline extends SpanProcessor {
  stats(): ExportStats;
  waitForCapacity(): Promise<void>;
  exitNow(remainingMillis: number): void;
}

/** What the worker processor is built from; `fallback` builds the in-thread pipeline used when no worker can run. */
export interface WorkerExportOptions extends Omit<WorkerSetup, 'board'> {
  fallback: () => AccountingBatchProcessor;
  /** The synchronous send at exit, for spans that never reached a worker. */
  exportSync?: (spans: ReadableSpan[], timeoutMillis: number) => boolean;
}

/** This module's own file (a path, or a file URL under ESM), wherever it was loaded from. */
function ownFile(): string | undefined {
  if (typeof __filename === 'string') return __filename;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, ownFile);
  // "    at fn (file:///…/x.js:12:3)" or "    at /…/x.js:12:3": the location without its line and column.
  const line = (holder.stack ?? '').split('\n')[1]?.trim() ?? '';
  const location = (line.endsWith(')') ? line.slice(line.lastIndexOf('(') + 1, -1) : line.replace(/^at\s+/, '')).replace(/(:\d+){1,2}$/, '');
  return location.startsWith('file:') || location.startsWith('/') ? location : undefined;
}

/**
 * How to start the worker: its entry file next to this module, `export-worker.js` of the same build
 * (ESM or CJS). When the sources themselves run (tsx, vitest) it is `export-worker.ts`, and the worker
 * first registers tsx (found from here or from the working directory) to load TypeScript as this thread does.
 */
function workerEntry(): { file: string; eval?: boolean } | undefined {
  const own = ownFile();
  if (!own) return undefined;
  const path = own.startsWith('file:') ? fileURLToPath(own) : own;
  const ext = extname(path);
  const file = join(dirname(path), `export-worker${ext}`);
  if (!existsSync(file)) return undefined;
  if (ext !== '.ts' && ext !== '.mts' && ext !== '.cts') return { file };
  let tsx: string;
  try {
    tsx = createRequire(path).resolve('tsx/esm/api');
  } catch {
    try {
      tsx = createRequire(join(process.cwd(), 'index.js')).resolve('tsx/esm/api');
    } catch {
      return undefined;
    }
  }
  // tsx's ESM API, next to the CommonJS one require() found.
  const api = pathToFileURL(tsx.replace(/\.cjs$/, '.mjs')).href;
  const boot =
    `import(${JSON.stringify(api)}).then((tsx) => { tsx.register({ tsconfig: process.env.TSX_TSCONFIG_PATH }); ` +
    `return import(${JSON.stringify(pathToFileURL(file).href)}); });`;
  return { file: boot, eval: true };
}

/**
 * The OTLP export off the agent's event loop. Each ended span is written into a compact table (a
 * fraction of a microsecond) and released; every 20 ms, or every 1,024 spans, the table goes to a
 * worker thread, which queues, encodes and sends with the same `AccountingBatchProcessor` as the
 * in-thread export (bounds, retries, drop accounting). The worker's counts are in shared memory, so
 * `stats()` stays synchronous; drops are reported from here, through the user's logger.
 *
 * At `process.exit()` or an uncaught exception the worker is still running: this thread hands it the
 * rest and blocks until it has sent it or the bound passes. A worker that cannot start (a bundle
 * without its file) or that dies is replaced by the in-thread export, once reported; spans not yet
 * handed to a worker move there, spans it held are counted as failed.
 */
export class WorkerExportProcessor implements ExportPipeline {
  private readonly writer = new SpanTableWriter();
  private readonly board: ExportBoard;
  private readonly memory = createBoardMemory();
  private worker: Worker | undefined;
  private ready = false;
  /** Tables posted so far; before the first, an early shutdown or exit needs no worker at all. */
  private posted = 0;
  private fallback: AccountingBatchProcessor | undefined;
  /** Spans handed to the worker's side (posted or still in the writer). */
  private accepted = 0;
  /** Of those, accounted for here instead of by the worker (lost with a dead worker, or at exit). */
  private accountedHere = 0;
  private readonly local: Omit<DropCounts, 'total'> = { queueFull: 0, exportFailed: 0, exportTimeout: 0, shutdown: 0 };
  private exportedHere = 0;
  /** The worker's counts when it was last read; frozen when it stops. */
  private seen: BoardValues;
  private frozen = false;
  private stopped = false;
  private finalWritten = false;
  private postTimer: NodeJS.Timeout | undefined;
  private postSoon = false;
  private nextId = 0;
  private readonly requests = new Map<number, () => void>();
  private waiters: (() => void)[] = [];
  private waitTimer: NodeJS.Timeout | undefined;
  private readonly drops: DropReporter;
  private readonly hardBound: number;

  constructor(private readonly options: WorkerExportOptions) {
    this.board = new ExportBoard(this.memory);
    this.seen = this.board.read();
    this.hardBound = options.batch.maxQueueSize * (options.batch.overflow === 'wait' ? 2 : 1);
    this.drops = new DropReporter(() => this.stats(), options.url);
    this.start();
  }

  private start(): void {
    const entry = workerEntry();
    if (!entry) {
      this.useFallback('its file was not found next to the tracer (a bundle?); set exportThread to "main" to say so');
      return;
    }
    const { url, headers, compression, protocol, tls, batch } = this.options;
    const setup: WorkerSetup = { url, headers, compression, protocol, tls, batch, board: this.memory };
    try {
      this.worker = new Worker(entry.file, { workerData: setup, eval: entry.eval ?? false });
    } catch (error) {
      this.useFallback(`it could not be started (${(error as Error)?.message ?? String(error)})`);
      return;
    }
    const worker = this.worker;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (error) => {
      if (this.worker === worker) this.useFallback(`it failed (${error?.message ?? String(error)})`);
    });
    worker.on('exit', () => {
      if (this.worker === worker && !this.finalWritten) this.useFallback('it stopped');
    });
    // After the listeners: adding a 'message' listener refs the worker's port again. Unref'd, the
    // worker never keeps the process alive; a pending flush or shutdown refs it while it waits.
    worker.unref();
  }

  private onMessage(m: FromWorker): void {
    if (this.finalWritten) return;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.schedulePost(true);
        break;
      case 'done':
        this.requests.get(m.id)?.();
        this.requests.delete(m.id);
        if (!this.requests.size) this.worker?.unref();
        break;
      case 'dropped':
        if (!this.stopped) this.drops.noteDrop();
        break;
      case 'log':
        if (m.level === 'error' || m.level === 'warn') diag[m.level](m.text);
        else details[m.level](m.text);
        break;
    }
  }

  /**
   * From now on the export runs on this thread; what the worker held is counted as failed. Without a
   * reason, silently: a shutdown that comes before the worker is up exports on this thread, as it must
   * not wait for a worker to start.
   */
  private useFallback(why?: string): void {
    if (this.fallback || this.finalWritten) return;
    if (why) reporter.warn(`the export worker is not running: ${why}; exporting on the agent's thread instead`);
    const worker = this.worker;
    this.worker = undefined;
    if (worker) {
      this.readBoard();
      this.frozen = true;
      const unsent = this.writer.size;
      // Spans posted to the worker and not accounted by it are lost with it.
      const lost = this.accepted - unsent - this.accountedHere - this.seen.exported - totalOf(droppedOf(this.seen));
      if (lost > 0) {
        this.local.exportFailed += lost;
        this.accountedHere += lost;
      }
      void worker.terminate().catch(() => undefined);
    }
    this.fallback = this.options.fallback();
    if (this.writer.size) {
      const table = this.writer.take();
      this.accountedHere += table.count;
      for (const span of new SpanTableReader().read(table)) this.fallback.onEnd(span);
    }
    clearTimeout(this.postTimer);
    for (const resolve of this.requests.values()) resolve();
    this.requests.clear();
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.stopped) {
      this.local.shutdown++;
      return;
    }
    if (this.fallback) {
      this.fallback.onEnd(span);
      return;
    }
    // The worker's queue bound, as last seen, plus what went since: past it, drop here.
    if (this.accepted - this.accountedHere - this.seen.exported - totalOf(droppedOf(this.seen)) >= this.hardBound) {
      this.local.queueFull++;
      this.drops.noteDrop();
      return;
    }
    this.writer.add(span);
    this.accepted++;
    this.schedulePost(this.writer.size >= POST_AT_SPANS);
  }

  private schedulePost(now: boolean): void {
    if (!this.worker || !this.writer.size) return;
    if (now) {
      if (this.postSoon) return;
      this.postSoon = true;
      // Not inside span.end(): the call that ended the span should not pay for the hand-over.
      setImmediate(() => {
        this.postSoon = false;
        this.post();
      }).unref();
      return;
    }
    if (this.postTimer) return;
    this.postTimer = setTimeout(() => {
      this.postTimer = undefined;
      this.post();
    }, POST_EVERY_MS);
    this.postTimer.unref();
  }

  /**
   * Hands the table so far to the worker. Also before it is ready: its port keeps the messages until
   * it listens, outside this thread's heap, so a slow start does not make the spans old here.
   */
  private post(): void {
    const worker = this.worker;
    if (!worker || !this.writer.size) return;
    if (this.writer.waiting) {
      void this.writer.ready().then(() => this.post());
      return;
    }
    const table = this.writer.take();
    try {
      worker.postMessage({ type: 'spans', table } satisfies ToWorker, [table.nums]);
      this.posted++;
    } catch (error) {
      details.debug('could not hand spans to the export worker', error);
      this.local.exportFailed += table.count;
      this.accountedHere += table.count;
    }
    this.readBoard();
  }

  private readBoard(): BoardValues {
    if (!this.frozen) this.seen = this.board.read();
    return this.seen;
  }

  private request(type: 'flush' | 'shutdown'): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      this.requests.set(id, resolve);
      // While an answer is awaited the worker keeps the process alive, as a request in flight would.
      worker.ref();
      worker.postMessage({ type, id } satisfies ToWorker);
    });
  }

  stats(): ExportStats {
    const w = this.readBoard();
    const wd = droppedOf(w);
    const dropped = {
      queueFull: wd.queueFull + this.local.queueFull,
      exportFailed: wd.exportFailed + this.local.exportFailed,
      exportTimeout: wd.exportTimeout + this.local.exportTimeout,
      shutdown: wd.shutdown + this.local.shutdown,
    };
    const own: ExportStats = {
      exported: w.exported + this.exportedHere,
      pending: Math.max(0, this.accepted - this.accountedHere - w.exported - totalOf(wd)),
      pendingBytes: w.pendingBytes,
      dropped: { ...dropped, total: totalOf(dropped) },
      limited: { attributes: w.limitedAttributes, events: w.limitedEvents, links: w.limitedLinks },
      consecutiveFailures: w.consecutiveFailures,
      failedExports: w.failedExports,
    };
    if (!this.fallback) return own;
    const f = this.fallback.stats();
    const d = {
      queueFull: own.dropped.queueFull + f.dropped.queueFull,
      exportFailed: own.dropped.exportFailed + f.dropped.exportFailed,
      exportTimeout: own.dropped.exportTimeout + f.dropped.exportTimeout,
      shutdown: own.dropped.shutdown + f.dropped.shutdown,
    };
    return {
      exported: own.exported + f.exported,
      pending: own.pending + f.pending,
      pendingBytes: own.pendingBytes + f.pendingBytes,
      dropped: { ...d, total: totalOf(d) },
      limited: {
        attributes: own.limited.attributes + f.limited.attributes,
        events: own.limited.events + f.limited.events,
        links: own.limited.links + f.limited.links,
      },
      consecutiveFailures: f.consecutiveFailures,
      failedExports: own.failedExports + f.failedExports,
    };
  }

  private hasRoom(): boolean {
    if (this.fallback) return this.fallback.hasRoom();
    const s = this.stats();
    return s.pending < this.options.batch.maxQueueSize && s.pendingBytes < this.options.batch.maxQueueBytes;
  }

  waitForCapacity(): Promise<void> {
    if (this.options.batch.overflow !== 'wait' || this.stopped) return Promise.resolve();
    if (this.fallback) return this.fallback.waitForCapacity();
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      // Ref'd while someone waits, as the export they wait for would be.
      this.waitTimer ??= setInterval(() => {
        if (this.stopped || this.fallback || this.hasRoom()) this.releaseWaiters();
      }, CAPACITY_POLL_MS);
    });
  }

  private releaseWaiters(): void {
    clearInterval(this.waitTimer);
    this.waitTimer = undefined;
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  async forceFlush(): Promise<void> {
    if (this.fallback) return this.fallback.forceFlush();
    this.post();
    await this.request('flush');
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    // Nothing handed to a worker that is not even up yet: no reason to wait for it.
    if (!this.ready && !this.posted) this.useFallback();
    if (this.fallback) {
      this.stopped = true;
      return this.fallback.shutdown();
    }
    this.post();
    await this.request('shutdown');
    this.stopped = true;
    this.releaseWaiters();
    if (this.stats().pending === 0) this.finish();
  }

  /**
   * The process is exiting, or the shutdown's bound has passed: the worker gets what is left and
   * `remainingMillis` to send it, while this thread waits (nothing asynchronous can run here any more).
   * A worker that never became ready leaves the spans here: they go by the synchronous child-process send.
   */
  exitNow(remainingMillis: number): void {
    if (this.finalWritten) return;
    this.stopped = true;
    clearTimeout(this.postTimer);
    this.releaseWaiters();
    if (this.fallback) {
      this.fallback.exitNow(remainingMillis);
    } else if (this.worker && (this.ready || this.posted)) {
      this.post();
      Atomics.store(this.board.control, EXIT_DONE, 0);
      this.worker.postMessage({ type: 'exit', remaining: Math.max(0, Math.floor(remainingMillis)) } satisfies ToWorker);
      if (remainingMillis > 0) Atomics.wait(this.board.control, EXIT_DONE, 0, remainingMillis);
    } else if (this.writer.size) {
      const table = this.writer.take();
      this.accountedHere += table.count;
      let sent = false;
      try {
        // Under 100 ms left, starting a process to send them would overrun the bound.
        sent = remainingMillis >= 100 && (this.options.exportSync?.(new SpanTableReader().read(table), remainingMillis) ?? false);
      } catch (error) {
        details.debug('synchronous export at exit failed', error);
      }
      if (sent) this.exportedHere += table.count;
      else this.local.shutdown += table.count;
    }
    this.finish();
  }

  /** Freezes the counts (whatever the worker was still doing is lost at shutdown), reports, and stops the worker. */
  private finish(): void {
    if (this.finalWritten) return;
    this.readBoard();
    this.frozen = true;
    const left = this.stats().pending;
    if (left > 0 && !this.fallback) {
      this.local.shutdown += left;
      this.accountedHere += left;
    }
    this.stopped = true;
    if (!this.fallback) this.drops.final();
    this.finalWritten = true;
    for (const resolve of this.requests.values()) resolve();
    this.requests.clear();
    const worker = this.worker;
    this.worker = undefined;
    // Nothing of the worker may print or hold the process after this.
    if (worker) void worker.terminate().catch(() => undefined);
  }
}

function totalOf(d: Omit<DropCounts, 'total'>): number {
  return d.queueFull + d.exportFailed + d.exportTimeout + d.shutdown;
}
