// The export worker: a thread of its own that takes span tables from the agent's thread, queues,
// batches, encodes (OTLP protobuf or JSON, gzip) and sends them, with the same batch processor, retry
// and drop accounting as the in-thread export. It never writes to the terminal: its diagnostics go to
// the agent's thread, which reports them through the user's logger.
import { parentPort, workerData } from 'node:worker_threads';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { AccountingBatchProcessor } from './batch-processor.js';
import { boardFromStats, EXIT_DONE, ExportBoard } from './export-board.js';
import type { FromWorker, ToWorker, WorkerSetup } from './export-worker-protocol.js';
import { OtlpHttpExporter } from './otlp-http-exporter.js';
import { ReportingExporter } from './reporting-exporter.js';
import { SpanTableReader } from './span-table.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const board = new ExportBoard(setup.board);

function send(message: FromWorker): void {
  try {
    port.postMessage(message);
  } catch {
    /* a value that cannot be cloned: the message is lost, never the worker */
  }
}

const relay = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, ...args: unknown[]) => {
  const text = [message, ...args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : safeJson(a)))].join(' ');
  send({ type: 'log', level, text });
};
function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
diag.setLogger(
  { error: relay('error'), warn: relay('warn'), info: relay('info'), debug: relay('debug'), verbose: relay('debug') },
  { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true },
);

const exporter = new OtlpHttpExporter({
  url: setup.url,
  headers: setup.headers,
  timeoutMillis: setup.batch.exportTimeoutMillis,
  compression: setup.compression,
  protocol: setup.protocol,
  tls: setup.tls,
});
const reporting = new ReportingExporter(exporter, setup.url);
let boardQueued = false;
const processor: AccountingBatchProcessor = new AccountingBatchProcessor(reporting, {
  ...setup.batch,
  describeTarget: setup.url,
  // The agent's thread reports drops, with its own counts added.
  reportDrops: false,
  onChange: () => {
    if (boardQueued) return;
    boardQueued = true;
    queueMicrotask(writeBoard);
  },
});
const reader = new SpanTableReader();
let lastDropped = 0;

function writeBoard(): void {
  boardQueued = false;
  const s = processor.stats();
  board.write(boardFromStats(s, processor.hasRoom()));
  if (s.dropped.total > lastDropped) {
    lastDropped = s.dropped.total;
    send({ type: 'dropped' });
  }
}

async function exitNow(remaining: number): Promise<void> {
  const left = processor.takeForExit();
  let sent = false;
  // A last send for what is left, in what is left of the bound; the agent's thread waits for the flag.
  if (left.length && remaining >= 20) {
    sent = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), remaining - 10);
      try {
        exporter.export(left, (r) => {
          clearTimeout(timer);
          resolve(r.code === ExportResultCode.SUCCESS);
        });
      } catch {
        clearTimeout(timer);
        resolve(false);
      }
    });
  }
  processor.endExit(left.length, sent);
  writeBoard();
  Atomics.store(board.control, EXIT_DONE, 1);
  Atomics.notify(board.control, EXIT_DONE);
}

port.on('message', (message: ToWorker) => {
  try {
    switch (message.type) {
      case 'spans': {
        const spans = reader.read(message.table);
        for (let i = 0; i < spans.length; i++) processor.onEnd(spans[i]!);
        writeBoard();
        break;
      }
      case 'flush':
        void processor.forceFlush().finally(() => {
          writeBoard();
          send({ type: 'done', id: message.id });
        });
        break;
      case 'shutdown':
        void processor.shutdown().finally(() => {
          writeBoard();
          send({ type: 'done', id: message.id });
        });
        break;
      case 'exit':
        void exitNow(message.remaining);
        break;
    }
  } catch (error) {
    relay('error')('the export worker failed to handle a message', error);
  }
});
writeBoard();
send({ type: 'ready' });
