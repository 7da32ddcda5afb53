// Three runs push a task each to one fastq queue (one at a time, promise API), with no bindToEnqueuer.
import fastq from 'fastq';
import { inRun, RUNS, sleep, work } from './harness.mjs';

const queue = fastq.promise(async (run) => {
  await sleep(5);
  work(run);
}, 1);
await Promise.all(RUNS.map((run) => inRun(run, () => queue.push(run))));
