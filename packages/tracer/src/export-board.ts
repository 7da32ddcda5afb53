import type { DropCounts, ExportStats } from './types.js';

/**
 * The export worker's counts, in shared memory, so that `stats()` on the agent's thread is a plain
 * read with no message round trip. One writer (the worker) and a sequence number around each write
 * (odd while writing): a reader that saw it change reads again.
 */
const FIELDS = [
  'exported',
  'queueFull',
  'exportFailed',
  'exportTimeout',
  'shutdown',
  'pending',
  'pendingBytes',
  'limitedAttributes',
  'limitedEvents',
  'limitedLinks',
  'consecutiveFailures',
  'failedExports',
  'hasRoom',
] as const;

type Field = (typeof FIELDS)[number];
export type BoardValues = Record<Field, number>;

/** Control slots: the sequence number, and the flag the worker raises when the exit send is over. */
const SEQ = 0;
export const EXIT_DONE = 1;

export interface BoardMemory {
  control: SharedArrayBuffer;
  values: SharedArrayBuffer;
}

export function createBoardMemory(): BoardMemory {
  return { control: new SharedArrayBuffer(8), values: new SharedArrayBuffer(8 * FIELDS.length) };
}

export class ExportBoard {
  readonly control: Int32Array;
  private readonly values: Float64Array;

  constructor(memory: BoardMemory) {
    this.control = new Int32Array(memory.control);
    this.values = new Float64Array(memory.values);
  }

  write(v: BoardValues): void {
    Atomics.add(this.control, SEQ, 1);
    for (let i = 0; i < FIELDS.length; i++) this.values[i] = v[FIELDS[i]!];
    Atomics.add(this.control, SEQ, 1);
  }

  read(): BoardValues {
    const out = {} as BoardValues;
    for (let attempt = 0; ; attempt++) {
      const before = Atomics.load(this.control, SEQ);
      for (let i = 0; i < FIELDS.length; i++) out[FIELDS[i]!] = this.values[i]!;
      // A write takes microseconds; past a few attempts, a slightly torn read is better than spinning.
      if ((before % 2 === 0 && Atomics.load(this.control, SEQ) === before) || attempt > 100) return out;
    }
  }
}

export function boardFromStats(s: ExportStats, hasRoom: boolean): BoardValues {
  return {
    exported: s.exported,
    queueFull: s.dropped.queueFull,
    exportFailed: s.dropped.exportFailed,
    exportTimeout: s.dropped.exportTimeout,
    shutdown: s.dropped.shutdown,
    pending: s.pending,
    pendingBytes: s.pendingBytes,
    limitedAttributes: s.limited.attributes,
    limitedEvents: s.limited.events,
    limitedLinks: s.limited.links,
    consecutiveFailures: s.consecutiveFailures,
    failedExports: s.failedExports,
    hasRoom: hasRoom ? 1 : 0,
  };
}

export function droppedOf(v: BoardValues): Omit<DropCounts, 'total'> {
  return { queueFull: v.queueFull, exportFailed: v.exportFailed, exportTimeout: v.exportTimeout, shutdown: v.shutdown };
}
