import { context, trace } from '@opentelemetry/api';
import { createReporter } from './diagnostics.js';
import { scopeOf } from './run-context.js';
import { ATTR_SAMPLING_KEEP } from './semconv.js';

const reporter = createReporter('@agentrace/core');

/**
 * Marks the run in the active context as worth keeping, whatever a sampler would decide: the agent's
 * own judgement (a suspicious answer, a fallback taken, a customer flagged). The tracer's tail sampler
 * keeps the whole run; the active span gets `agentrace.sampling.keep=true`, which a collector's
 * tail-sampling policy can keep the whole trace by (the project's Jaeger tail-sampling configuration does).
 * Never throws; says once when there is nothing to mark.
 */
export function keepRun(): void {
  try {
    const ctx = context.active();
    const run = scopeOf(ctx)?.run;
    if (run !== undefined) run.keep = true;
    const span = trace.getSpan(ctx);
    const recording = span?.isRecording() === true;
    if (recording) span!.setAttribute(ATTR_SAMPLING_KEEP, true);
    if (run === undefined && !recording) {
      reporter.warnOnce(
        'keepRun-outside-run',
        'keepRun() was called outside any run and outside any recorded span, so there was nothing to mark; call it inside the run (a @run method, traced() or a span you started)',
      );
    }
  } catch (error) {
    reporter.errorOnce('keepRun-failed', 'keepRun() could not mark the run', error);
  }
}
