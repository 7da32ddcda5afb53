// What every support-matrix app shares: three runs, each a span of its own, and a `work <run>` span
// made where the library hands the work back (a consumer, a queued task, a listener).
import { trace } from '@opentelemetry/api';

const tracer = trace.getTracer('support-matrix-app');
export const RUNS = ['r0', 'r1', 'r2'];
export const ID = process.env.MATRIX_ID ?? String(process.pid);
export const REDIS = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Runs `fn` as run `id`: inside a `run <id>` span that ends when `fn` settles. */
export function inRun(id, fn) {
  return tracer.startActiveSpan(`run ${id}`, async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
}

/** Marks where the work of run `id` ran: a `work <id>` span in the active context. */
export function work(id) {
  tracer.startSpan(`work ${id}`).end();
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `n` calls of the returned `tick` were made. */
export function counter(n) {
  let tick;
  const all = new Promise((resolve) => {
    let left = n;
    tick = () => {
      if (--left === 0) resolve();
    };
  });
  return { all, tick: () => tick() };
}
