// Three runs share one p-queue (one task at a time): each task runs after the previous run's task,
// with no bindToEnqueuer.
import PQueue from 'p-queue';
import { inRun, RUNS, sleep, work } from './harness.mjs';

const queue = new PQueue({ concurrency: 1 });
await Promise.all(
  RUNS.map((run) =>
    inRun(run, () =>
      queue.add(async () => {
        await sleep(5);
        work(run);
      }),
    ),
  ),
);
