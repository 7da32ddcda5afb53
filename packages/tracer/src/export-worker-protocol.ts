import type { BoardMemory } from './export-board.js';
import type { SpanTable } from './span-table.js';
import type { BatchOptions, Compression, OtlpProtocol } from './types.js';

/** What the export worker is started with (its `workerData`). */
export interface WorkerSetup {
  url: string;
  headers: Record<string, string>;
  compression: Compression;
  protocol: OtlpProtocol;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  batch: Required<BatchOptions>;
  board: BoardMemory;
}

/** Messages from the agent's thread to the export worker. */
export type ToWorker =
  | { type: 'spans'; table: SpanTable }
  | { type: 'flush'; id: number }
  | { type: 'shutdown'; id: number }
  /** The process is exiting: send what is left within `remaining` ms, then raise the board's exit flag. */
  | { type: 'exit'; remaining: number };

/** Messages from the export worker to the agent's thread. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number }
  | { type: 'dropped' }
  | { type: 'log'; level: 'error' | 'warn' | 'info' | 'debug'; text: string };
