// Issue 8, exporter outage (short version; reliability/outage-soak.ts runs the 10-minute one): the
// test's own Jaeger is killed for 30 s while an agent produces 1,000 spans/s, then started again.
import { describe, expect, it } from 'vitest';
import { formatOutage, runOutage } from '../src/outage.js';

const OUTAGE_SECONDS = Number(process.env.AGENTRACE_OUTAGE_SECONDS ?? 30);
// A queue of 65,536 admits 8,192 spans while exports fail: less than the outage produces, so the
// bound is reached and its drops must be counted (the default admits 32,768, more than 30 s make).
const MAX_QUEUE = 65_536;

describe('exporter outage', () => {
  it(`the agent carries on, memory stays bounded, every drop is counted and export resumes by itself (${OUTAGE_SECONDS} s down)`, async () => {
    const f = await runOutage({ outageSeconds: OUTAGE_SECONDS, maxQueueSize: MAX_QUEUE });
    console.log(formatOutage(f));
    const s = f.final.stats;
    expect(f.agentExitCode, f.agentStderr).toBe(0);
    // The agent kept producing at its rate while Jaeger was down.
    expect(f.outage.spansProduced).toBeGreaterThan(OUTAGE_SECONDS * 1000 * 0.5);
    // Every span is accounted for: exported or dropped by a named cause.
    expect(s.exported + s.dropped.total).toBe(f.final.produced);
    expect(s.pending).toBe(0);
    // More was produced while down than the queue holds: the excess is counted as queue full, and said.
    expect(s.dropped.queueFull).toBeGreaterThan(0);
    expect(f.agentStderr).toMatch(/spans dropped .*queue full \d+/);
    // What was kept during the outage, and all that followed, reached the restarted Jaeger, exactly.
    expect(f.exportedAfterRestart).toBeGreaterThan(MAX_QUEUE / 8);
    expect(f.storedAfterRestart).toBe(f.exportedAfterRestart);
    // Heap growth bounded by the queue, far under 50 MB.
    expect(f.heapMaxMB - f.heapBaselineMB).toBeLessThan(50);
    // Retries back off: a handful of failed requests, not one per batch.
    expect(f.failedExportsDuringOutage).toBeLessThanOrEqual(OUTAGE_SECONDS / 5 + 2);
  }, 300_000);
});
