// Issue 8, "bad input corpus": every value of the shared hostile corpus as the payload, result and
// thrown object of a task bound with bindToEnqueuer and run by a real in-process queue (p-queue).
// The caller sees exactly what the unbound task gives (same value, same thrown object, same
// sync-vs-async shape), nothing throws into the agent, exported values are capped, the heap stays flat.
import { bindToEnqueuer } from '@agentrace/instrumentation-queue';
import { hostileValues } from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { trace } from '@opentelemetry/api';
import PQueue from 'p-queue';
import { describe, expect, it } from 'vitest';
import { heapAfterGc, isNativePromise, overCap } from '../src/hostile-checks.js';

const tracing = useTracing({ serviceName: 'hostile-values-queue-payloads' });

const queue = new PQueue({ concurrency: 4 });

type Outcome = { kind: 'return' | 'throw' | 'resolve' | 'reject'; value: unknown };

/** What calling `fn` does, synchronously. */
function callSync(fn: () => unknown): Outcome {
  try {
    return { kind: 'return', value: fn() };
  } catch (error) {
    return { kind: 'throw', value: error };
  }
}

/**
 * Runs `fn` as a p-queue task and reports how its promise settled, from inside the task: p-queue itself
 * breaks on some hostile rejections (its `instanceof TimeoutError` throws on a revoked proxy), with or
 * without binding, so it only ever sees a plain outcome object.
 */
async function inQueue(fn: () => unknown): Promise<Outcome> {
  const outcome = await queue.add(async (): Promise<Outcome> => {
    try {
      return { kind: 'resolve', value: await fn() };
    } catch (error) {
      return { kind: 'reject', value: error };
    }
  });
  return outcome!;
}

/** The same outcome: same kind and the same object (an error made afresh by a hostile getter: same message). */
function expectSameOutcome(actual: Outcome, expected: Outcome): void {
  expect(actual.kind).toBe(expected.kind);
  if (Object.is(actual.value, expected.value)) return;
  expect(actual.value).toBeInstanceOf(Error);
  expect((actual.value as Error).message).toBe((expected.value as Error).message);
}

const tracer = () => trace.getTracer('hostile-values-queue');

const echo = (payload: unknown): unknown => payload;
const thrower = (payload: unknown): never => {
  throw payload;
};
const rejecter = async (payload: unknown): Promise<never> => {
  throw payload;
};

/** Runs the corpus value through bound and unbound tasks and compares what the caller sees. */
async function feed(value: unknown): Promise<void> {
  await tracer().startActiveSpan('enqueue', async (span) => {
    try {
      // Direct calls of the bound function: sync shape kept, same value and same thrown object.
      const boundEcho = bindToEnqueuer(echo, { destination: 'hostile' });
      const boundThrower = bindToEnqueuer(thrower, { destination: 'hostile' });
      const raw = callSync(() => echo(value));
      const bound = callSync(() => boundEcho(value));
      if (isNativePromise(value)) {
        expect(bound.kind).toBe('return');
        expect(isNativePromise(bound.value)).toBe(true);
      } else expectSameOutcome(bound, raw);
      expectSameOutcome(callSync(() => boundThrower(value)), callSync(() => thrower(value)));

      // Through the queue: the promise queue.add gives settles the same way with and without binding.
      const boundRejecter = bindToEnqueuer(rejecter, { destination: 'hostile' });
      expectSameOutcome(await inQueue(() => boundRejecter(value)), await inQueue(() => rejecter(value)));
      if (!isNativePromise(value)) {
        // (A promise that never settles would keep the queue waiting, bound or not.)
        const boundEcho2 = bindToEnqueuer(echo, { destination: 'hostile' });
        expectSameOutcome(await inQueue(() => boundEcho2(value)), await inQueue(() => echo(value)));
      }
    } finally {
      span.end();
    }
  });
}

describe('hostile values as in-process queue payloads, results and thrown objects', () => {
  it('the corpus has at least 50 values', () => {
    expect(hostileValues().length).toBeGreaterThanOrEqual(50);
  });

  for (const hostile of hostileValues()) {
    it(`${hostile.name}: the caller sees what the unbound task gives, and exported values are capped`, async () => {
      await feed(hostile.make());
      const spans = tracing.spans();
      // echo, thrower and rejecter (and the queued echo) ended their spans; an echoed promise that never
      // settles keeps its own span open, as its work never ends.
      expect(spans.filter((s) => s.name === 'process hostile').length).toBeGreaterThanOrEqual(2);
      expect(overCap(spans)).toEqual([]);
    });
  }

  it('running the whole corpus again and again does not grow the heap', async () => {
    const round = async (): Promise<void> => {
      for (const hostile of hostileValues()) await feed(hostile.make());
      tracing.reset();
    };
    await round();
    const before = heapAfterGc();
    for (let i = 0; i < 3; i++) await round();
    expect(heapAfterGc() - before).toBeLessThan(24 * 1024 * 1024);
  });
});
