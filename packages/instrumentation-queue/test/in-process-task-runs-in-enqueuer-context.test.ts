import { EventEmitter } from 'node:events';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { useTracing } from '@agentrace/testing/vitest';
import { bindToEnqueuer } from '@agentrace/instrumentation-queue';
import * as fastq from 'fastq';
import PQueue from 'p-queue';
import { describe, expect, it } from 'vitest';
import { byName, currentRunId, inRun, inWorkerBoot, parentId } from './utils/runs.js';

const RUNS = 200;
const tracing = useTracing();

/** Every process span is a child of its own run's span, and the task saw its own run's baggage. */
function expectOwnRuns(seen: Map<string, string | undefined>, destination: string): void {
  const spans = tracing.spans();
  const runs = new Map(spans.filter((s) => s.name.startsWith('run ')).map((s) => [s.name.slice(4), s]));
  const processes = byName(spans, `process ${destination}`);
  expect(processes).toHaveLength(RUNS);
  for (const span of processes) {
    const id = String(span.attributes['test.run']);
    const run = runs.get(id);
    expect(run, `run ${id}`).toBeDefined();
    expect(span.spanContext().traceId).toBe(run!.spanContext().traceId);
    expect(parentId(span)).toBe(run!.spanContext().spanId);
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.attributes['messaging.operation.type']).toBe('process');
    expect(typeof span.attributes['agentrace.messaging.wait_ms']).toBe('number');
  }
  for (let i = 0; i < RUNS; i++) expect(seen.get(`r${i}`)).toBe(`r${i}`);
}

/**
 * From each of RUNS concurrent runs, hands `enqueue` one task bound to that run; the task waits with
 * `pause` and then records the run it sees. Resolves, once every task is done, to run id -> run seen.
 */
async function enqueueFromEachRun(
  destination: string,
  enqueue: (task: () => Promise<number>) => Promise<unknown>,
  pause: () => Promise<unknown>,
): Promise<Map<string, string | undefined>> {
  const seen = new Map<string, string | undefined>();
  await Promise.all(
    Array.from({ length: RUNS }, (_, i) =>
      inRun(`r${i}`, () =>
        enqueue(
          bindToEnqueuer(
            async () => {
              await pause();
              seen.set(`r${i}`, currentRunId());
              return i;
            },
            { destination, attributes: { 'test.run': `r${i}` } },
          ),
        ),
      ),
    ),
  );
  return seen;
}

describe('bindToEnqueuer', () => {
  it('runs p-queue tasks in the context of the run that enqueued them', async () => {
    const queue = inWorkerBoot(() => new PQueue({ concurrency: 4 }));
    const seen = await enqueueFromEachRun('p-queue', (task) => queue.add(task), () => new Promise((resolve) => setImmediate(resolve)));
    expectOwnRuns(seen, 'p-queue');
  });

  it('runs fastq tasks in the context of the run that enqueued them', async () => {
    // The worker is created at boot, in the boot context; tasks must not inherit it.
    const queue = inWorkerBoot(() =>
      fastq.promise(async (task: () => Promise<number>) => task(), 4),
    );
    const seen = await enqueueFromEachRun('fastq', (task) => queue.push(task), () => new Promise((resolve) => setTimeout(resolve, 1)));
    expectOwnRuns(seen, 'fastq');
  });

  it('runs tasks of an EventEmitter dispatcher in the context of the run that emitted them', async () => {
    // A dispatcher started at boot: buffers tasks and drains them later, from its own loop.
    const emitter = new EventEmitter();
    const buffer: Array<() => void> = [];
    let drained = 0;
    const allDone = new Promise<void>((resolve) => {
      inWorkerBoot(() => {
        emitter.on('task', (task: () => void) => buffer.push(task));
        const timer = setInterval(() => {
          while (buffer.length > 0) {
            buffer.shift()!();
            drained++;
          }
          if (drained === RUNS) {
            clearInterval(timer);
            resolve();
          }
        }, 5);
      });
    });
    const seen = new Map<string, string | undefined>();
    await Promise.all(
      Array.from({ length: RUNS }, (_, i) =>
        inRun(`r${i}`, () => {
          emitter.emit('task', bindToEnqueuer(() => seen.set(`r${i}`, currentRunId()), { destination: 'emitter', attributes: { 'test.run': `r${i}` } }));
        }),
      ),
    );
    await allDone;
    expectOwnRuns(seen, 'emitter');
  });

  it('keeps this, arguments, return values and the same thrown error; records the failure', async () => {
    const boom = new Error('boom');
    const target = { factor: 3 };
    const sync = bindToEnqueuer(function (this: typeof target, x: number) {
      return this.factor * x;
    });
    expect(sync.call(target, 2)).toBe(6);
    const throwsSync = bindToEnqueuer(() => {
      throw boom;
    });
    expect(() => throwsSync()).toThrow(boom);
    const rejects = bindToEnqueuer(async () => {
      throw boom;
    }, { destination: 'failing' });
    await expect(rejects()).rejects.toBe(boom);
    const failed = byName(tracing.spans(), 'process failing')[0]!;
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.status.message).toBe('boom');
    expect(failed.attributes['error.type']).toBe('Error');
    expect(failed.events.some((e) => e.name === 'exception')).toBe(true);
    const thrownSync = byName(tracing.spans(), 'process task').find((s) => s.status.code === SpanStatusCode.ERROR)!;
    expect(thrownSync.attributes['error.type']).toBe('Error');
  });

  it('records a thrown string as error.type _OTHER, and the caller still gets the same string', async () => {
    const task = bindToEnqueuer(
      async () => {
        throw 'refused';
      },
      { destination: 'strings' },
    );
    await expect(task()).rejects.toBe('refused');
    const span = byName(tracing.spans(), 'process strings')[0]!;
    expect(span.attributes['error.type']).toBe('_OTHER');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'refused' });
  });

  // The registered clients are checked the same way in clients-never-record-credentials.test.ts.
  it('records a failed task with the credentials in its error masked, and the caller still gets the same error', async () => {
    const boom = new Error('sync refused: token=t0k-secret-1, Authorization: Bearer abcdefghijklmnop');
    const task = bindToEnqueuer(
      async () => {
        throw boom;
      },
      { destination: 'jobs' },
    );
    await expect(task()).rejects.toBe(boom);
    const span = byName(tracing.spans(), 'process jobs')[0]!;
    const masked = 'sync refused: token=REDACTED, Authorization: Bearer REDACTED';
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: masked });
    expect(span.attributes['agentrace.messaging.failure_reason']).toBe(masked);
    const event = span.events.find((e) => e.name === 'exception')!;
    expect(event.attributes?.['exception.message']).toBe(masked);
    expect(String(event.attributes?.['exception.stacktrace'])).toContain(masked);
    expect(JSON.stringify([span.attributes, span.events, span.status])).not.toMatch(/t0k-secret-1|abcdefghijklmnop/);
    expect(boom.message).toContain('t0k-secret-1');
  });

  it('with span: false only restores the context; with consumerParent link starts a linked trace that keeps baggage', async () => {
    let ids: Array<string | undefined> = [];
    await inRun('plain', async (run) => {
      const plain = bindToEnqueuer(() => [trace.getActiveSpan()?.spanContext().spanId, currentRunId()], { span: false });
      const linked = bindToEnqueuer(() => currentRunId(), { consumerParent: 'link', destination: 'linked' });
      ids = await new Promise((resolve) => setImmediate(() => inWorkerBoot(() => resolve([...plain(), linked()]))));
      expect(ids[0]).toBe(run.spanContext().spanId);
    });
    expect(ids[1]).toBe('plain');
    expect(ids[2]).toBe('plain');
    const linked = byName(tracing.spans(), 'process linked')[0]!;
    const run = byName(tracing.spans(), 'run plain')[0]!;
    expect(linked.spanContext().traceId).not.toBe(run.spanContext().traceId);
    expect(linked.links[0]?.context.spanId).toBe(run.spanContext().spanId);
    expect(byName(tracing.spans(), 'process task')).toHaveLength(0);
  });

  it('returns a non-function unchanged without throwing', () => {
    const notAFunction = 42 as unknown as () => void;
    expect(bindToEnqueuer(notAFunction)).toBe(42);
  });
});
