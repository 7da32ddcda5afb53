import { type Span } from '@opentelemetry/api';
import { reporter } from './report.js';
import { config } from './config.js';

/**
 * One recording span still open, for the count and the long-open warning. The call itself is the
 * entry, linked into an intrusive list: adding and removing cost two pointer writes, no hashing and
 * no allocation on the hot path.
 */
export interface OpenSpan {
  readonly span: Span;
  readonly spanName: string;
  readonly startMs: number;
  warned: boolean;
  prevOpen: OpenSpan | undefined;
  nextOpen: OpenSpan | undefined;
}

let head: OpenSpan | undefined;
let count = 0;
let sweeper: ReturnType<typeof setInterval> | undefined;
/** The bound the running sweeper was started for; a new setting restarts it with a fitting period. */
let sweeperBound = 0;

function sweep(): void {
  if (count === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
    return;
  }
  const bound = config.longOpenWarningMs;
  const now = Date.now();
  for (let entry = head; entry !== undefined; entry = entry.nextOpen) {
    if (entry.warned || now - entry.startMs < bound) continue;
    entry.warned = true;
    const { traceId, spanId } = entry.span.spanContext();
    // A hung await is the commonest agent bug: say which span, once.
    reporter.warn(`span "${entry.spanName}" (trace ${traceId}, span ${spanId}) has been open for ${now - entry.startMs} ms (longOpenWarningMs ${bound}); an await may be hung.`,
    );
  }
}

function startSweeper(): void {
  if (sweeper !== undefined) clearInterval(sweeper);
  sweeper = undefined;
  const bound = config.longOpenWarningMs;
  sweeperBound = bound;
  if (bound === Infinity) return;
  sweeper = setInterval(sweep, Math.max(5, Math.min(1_000, bound / 2)));
  sweeper.unref?.();
}

export function trackOpen(entry: OpenSpan): void {
  entry.nextOpen = head;
  if (head !== undefined) head.prevOpen = entry;
  head = entry;
  count++;
  if (sweeper === undefined || sweeperBound !== config.longOpenWarningMs) startSweeper();
}

export function untrackOpen(entry: OpenSpan): void {
  // The sweeper stops itself once it finds nothing open: stopping it here would restart a timer on
  // every call of a program that runs one call at a time.
  if (entry.prevOpen !== undefined) entry.prevOpen.nextOpen = entry.nextOpen;
  else if (head === entry) head = entry.nextOpen;
  else return; // not in the list (already removed)
  if (entry.nextOpen !== undefined) entry.nextOpen.prevOpen = entry.prevOpen;
  entry.prevOpen = entry.nextOpen = undefined;
  count--;
}

/** How many recording spans started by this package are still open. */
export function openSpanCount(): number {
  return count;
}
