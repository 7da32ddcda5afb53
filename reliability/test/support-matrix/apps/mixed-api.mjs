// The app (and agentrace) on @opentelemetry/api 1.9; a library bringing its own 1.10 makes each run's
// `work` span and injects the context into a carrier. An API copy sees only globals registered by a
// copy at least as new as itself: without agentrace re-registering them through 1.10, the library's
// spans would be dropped and its carrier empty.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { inRun, RUNS } from './harness.mjs';

// The library's copy, required the way a CommonJS library requires its own dependency.
const library = createRequire(join(process.env.MATRIX_PROJECT, 'package.json'))('@opentelemetry/api');
const carriers = {};
await Promise.all(
  RUNS.map((run) =>
    inRun(run, async () => {
      library.trace.getTracer('library-on-api-1.10').startSpan(`work ${run}`).end();
      carriers[run] = {};
      library.propagation.inject(library.context.active(), carriers[run]);
      carriers[run].expected = trace.getActiveSpan()?.spanContext().traceId;
    }),
  ),
);
for (const run of RUNS) {
  if (!carriers[run].traceparent?.includes(carriers[run].expected)) throw new Error(`run ${run}: the library's carrier ${JSON.stringify(carriers[run])} does not carry the run's trace`);
}
process.stdout.write(`library api ${library.trace ? 'loaded' : 'missing'}\n`);
