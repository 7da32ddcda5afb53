// For every registered client, every value of the shared hostile corpus in every place of a library
// call where a caller's value passes through the instrumentation (job data, name and options; message
// content, options, headers and ids; the task value of an in-process queue): the call gives the caller
// what it gives without agentrace (same value or same failure, never an error of ours), and every span
// it started has ended.
import { hostileValues } from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClientSession } from './adapters/types.js';
import { describeEachClient, useLoadedClient } from './utils/clients.js';

type Outcome = { kind: 'return' | 'throw' | 'resolve' | 'reject'; value: unknown };

async function outcomeOf(send: () => unknown): Promise<Outcome> {
  let result: unknown;
  try {
    result = send();
  } catch (error) {
    return { kind: 'throw', value: error };
  }
  if (!(result instanceof Promise)) return { kind: 'return', value: result };
  try {
    return { kind: 'resolve', value: await result };
  } catch (error) {
    return { kind: 'reject', value: error };
  }
}

function messageOf(error: unknown): string {
  try {
    // EventEmitter's "Unhandled error. (<inspected value>)" prints a promise's async ids, which differ per call.
    const text = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
    return text.replace(/(async_id_symbol\)\]: )\d+/g, '$1#');
  } catch {
    return 'unreadable';
  }
}

/** The value the call was given, wherever the outcome hands it back (as the value, the error or an element). */
const GIVEN = Symbol('the value given');

/** `outcome` with the value the call was given replaced by GIVEN: each call gets a fresh value, and must hand back that one. */
function relativeTo(outcome: Outcome, given: unknown): Outcome {
  const value = outcome.value;
  if (Object.is(value, given)) return { kind: outcome.kind, value: GIVEN };
  try {
    if (Array.isArray(value)) return { kind: outcome.kind, value: value.map((v) => (Object.is(v, given) ? GIVEN : v)) };
  } catch {
    // a revoked proxy, thrown by a hostile getter: compared as it is
  }
  return outcome;
}

/** Same kind; for a failure the same object or an error of the same class and message (made afresh); for a value the same primitive or elements. */
function expectSameOutcome(actual: Outcome, expected: Outcome): void {
  expect(actual.kind, messageOf(actual.value)).toBe(expected.kind);
  if (Object.is(actual.value, expected.value)) return;
  if (actual.kind === 'throw' || actual.kind === 'reject') {
    expect(messageOf(actual.value)).toBe(messageOf(expected.value));
  } else if (Array.isArray(actual.value) && Array.isArray(expected.value)) {
    expect(actual.value.length).toBe(expected.value.length);
    actual.value.forEach((v, i) => expect(Object.is(v, expected.value && (expected.value as unknown[])[i])).toBe(true));
  } else if (typeof expected.value !== 'object' && typeof expected.value !== 'function') {
    expect(Object.is(actual.value, expected.value)).toBe(true);
  }
  // Objects made by the library on each call (a BullMQ Job) are not comparable by identity.
}

const tracing = useTracing();

describeEachClient((client) => {
  const loaded = useLoadedClient(client);
  // Collected now: vitest needs the test names before the sessions exist.
  const positions = new Map<string, ClientSession['hostile'][number]>();

  beforeAll(async () => {
    const session = await loaded.open();
    for (const position of session.hostile) positions.set(position.position, position);
  });

  it('has hostile positions', () => {
    expect(positions.size).toBeGreaterThan(0);
  });

  describe.each(hostileValues().map((hostile) => [hostile.name, hostile] as const))('%s', (_name, hostile) => {
    it('gives the caller what the library gives without agentrace, in every position', async () => {
      for (const position of positions.values()) {
        if (position.skip?.[hostile.name]) continue;
        loaded.instrumentation.disable();
        const plain = hostile.make();
        const expected = relativeTo(await outcomeOf(() => position.send(plain)), plain);
        loaded.instrumentation.enable();
        tracing.reset();
        const given = hostile.make();
        const actual = relativeTo(await outcomeOf(() => position.send(given)), given);
        try {
          expectSameOutcome(actual, expected);
          expect(tracing.openSpans().map((s) => s.name), 'spans left open').toEqual([]);
        } catch (error) {
          throw new Error(`${position.position}: ${(error as Error).message}`, { cause: error });
        }
      }
    });
  });
});
