import { SpanStatusCode } from '@opentelemetry/api';
import { traced } from '@agentrace/decorators';
import { guardedWrite, StaleWriteError } from '@agentrace/state';
import { setupTracing } from '@agentrace/testing';
import { afterAll, describe, expect, it } from 'vitest';

const tracing = setupTracing();
afterAll(() => tracing.shutdown());

describe('a stale write in a retried step', () => {
  it('marks the attempt that hit it (red, with its attempt number); the retry that succeeds stays green', async () => {
    let stored = 1;
    const save = traced(
      'save profile',
      async (readVersion: () => number) => {
        const read = readVersion();
        const outcome = await guardedWrite('profile:9', () => (stored += 1), { readVersion: read, currentVersion: () => stored, newVersion: (v) => v });
        return outcome.written ? outcome.result : undefined;
      },
      { retry: { attempts: 3, retryOn: (error) => error instanceof StaleWriteError, backoff: () => 0 } },
    );
    // The first attempt computes from version 0, which another writer already replaced (1).
    let calls = 0;
    await expect(save(() => (++calls === 1 ? 0 : stored))).resolves.toBe(2);

    const attempts = tracing.spans().filter((s) => s.name === 'save profile attempt');
    expect(attempts.map((s) => s.attributes['agentrace.retry.attempt'])).toEqual([1, 2]);
    expect(attempts[0]!.attributes).toMatchObject({ 'state.stale_write': true, 'state.stale_write.attempt': 1, 'error.type': 'StaleWriteError' });
    expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[1]!.attributes['state.stale_write']).toBeUndefined();
    expect(attempts[1]!.status.code).toBe(SpanStatusCode.UNSET);
    // One exception event for the one failure, on the attempt where the guard threw.
    expect(tracing.spans().flatMap((s) => s.events.filter((e) => e.name === 'exception'))).toHaveLength(1);
  });
});
