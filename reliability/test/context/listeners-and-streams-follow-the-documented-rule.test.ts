// Listeners and streams that outlive the run that created them, 100 concurrent runs each: what
// agentrace guarantees, and the documented rule for what it cannot know.
import { EventEmitterAsyncResource } from 'node:events';
import { PassThrough, Transform } from 'node:stream';
import { detached, traced } from '@agentrace/decorators';
import { assertNoOrphans, assertSpansInTheirRuns } from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { trace } from '@opentelemetry/api';
import { expect, it } from 'vitest';

const RUNS = 100;
const tracing = useTracing({ serviceName: 'listeners-and-streams' });

const probe = (owner: string, name = 'probe'): void =>
  trace.getTracer('probe').startActiveSpan(name, { attributes: { 'test.owner': owner } }, (s) => s.end());

it('an EventEmitterAsyncResource created inside detached() starts a run of its own per event', async () => {
  let emitter: EventEmitterAsyncResource | undefined;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  let handled = 0;
  const onJob = traced(
    'on job',
    async (job: { correlationId: string }) => {
      probe(job.correlationId);
      if (++handled === RUNS) done();
    },
    { type: 'run' },
  );
  const submit = traced(
    'submit',
    async (i: number) => {
      // Created lazily by the first run: without detached() its listeners would run in that run's
      // context (an async resource keeps the context it was created in).
      emitter ??= detached(() => {
        const e = new EventEmitterAsyncResource({ name: 'jobs' });
        e.on('job', (job: { correlationId: string }) => void onJob(job));
        return e;
      });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      emitter.emit('job', { correlationId: `job-${i}` });
    },
    { type: 'run', correlationId: (i: number) => `submit-${i}` },
  );
  await Promise.all(Array.from({ length: RUNS }, (_, i) => submit(i)));
  await all;
  assertSpansInTheirRuns(tracing.spans(), { minProbes: RUNS });
  const jobRuns = tracing.spans().filter((s) => s.name === 'invoke_agent on job');
  expect(jobRuns.every((s) => s.parentSpanContext === undefined)).toBe(true);
});

it('a stream fed by run A and read by run B: B reading in its own code is B; transform callbacks run where the data was written (A)', async () => {
  const pairs = Array.from({ length: RUNS }, (_, i) => ({ a: `writer-${i}`, b: `reader-${i}` }));
  await Promise.all(
    pairs.map(async ({ a, b }) => {
      const pipe = new PassThrough({ objectMode: true });
      const upper = new Transform({
        objectMode: true,
        transform(chunk: string, _encoding, callback) {
          // Runs synchronously inside whoever wrote the chunk: the writer's run (the documented rule).
          probe(a, 'transform');
          callback(null, chunk.toUpperCase());
        },
      });
      pipe.pipe(upper);
      const reader = traced(
        'read',
        async () => {
          const seen: string[] = [];
          for await (const chunk of upper) {
            probe(b, 'consume');
            seen.push(chunk as string);
          }
          return seen;
        },
        { type: 'run', correlationId: b },
      );
      const writer = traced(
        'write',
        async () => {
          for (const chunk of ['a', 'b', 'c']) {
            pipe.write(chunk);
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
          }
          pipe.end();
        },
        { type: 'run', correlationId: a },
      );
      const [seen] = await Promise.all([reader(), writer()]);
      expect(seen).toEqual(['A', 'B', 'C']);
    }),
  );
  const spans = tracing.spans();
  assertSpansInTheirRuns(spans, { minProbes: RUNS * 6 });
  assertNoOrphans(spans);
});
