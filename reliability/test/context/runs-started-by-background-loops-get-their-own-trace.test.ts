// A loop, poller or listener started lazily inside the first run keeps that run's context for ever.
// Every run it starts later must still be a trace of its own, with its own correlation id, and every
// span of that run's work must sit under it: 100 concurrent runs per kind of loop.
import { correlationId, detached, traced } from '@agentrace/decorators';
import { assertNoOrphans, assertSpansInTheirRuns, captureDiagnostics } from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { brpopLoop, eventsOnLoop, intervalPoller, type BackgroundLoop, type Message } from '../../src/background-loops.js';

const RUNS = 100;
const redisUrl = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';

const tracing = useTracing({ serviceName: 'background-loops' });

type LoopFactory = (onMessage: (m: Message) => void, start?: (begin: () => void) => void) => BackgroundLoop;
const loops: [string, LoopFactory][] = [
  ['setInterval poller', (h, s) => intervalPoller(h, s)],
  ['events.on loop', (h, s) => eventsOnLoop(h, s)],
  ['Redis BRPOP loop', (h, s) => brpopLoop(h, redisUrl, `agentrace-brpop-${process.pid}-${Math.random().toString(36).slice(2)}`, s)],
];

const probe = (owner: string): void => trace.getTracer('probe').startActiveSpan('probe', { attributes: { 'test.owner': owner } }, (s) => s.end());

interface Outcome {
  spans: ReadableSpan[];
  /** Correlation id each handled message saw, by its sequence number. */
  seen: Map<number, string | undefined>;
}

/**
 * 100 runs `submit-<i>` send one message each to a loop the first of them starts; the handler is a run
 * of its own. Even messages name their correlation id, odd ones do not.
 */
async function drive(make: LoopFactory, options: { newTrace?: boolean; start?: (begin: () => void) => void } = {}): Promise<Outcome> {
  const seen = new Map<number, string | undefined>();
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const handle = traced(
    'handle message',
    async (message: Message) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      const id = correlationId();
      seen.set(message.seq, id);
      probe(message.correlationId ?? `generated:${id}`);
      if (seen.size === RUNS) done();
    },
    { type: 'run', newTrace: options.newTrace },
  );
  const loop = make((m) => void handle(m), options.start);
  const submit = traced('submit', (message: Message) => loop.send(message), { type: 'run', correlationId: (m: Message) => m.from });
  await Promise.all(
    Array.from({ length: RUNS }, (_, seq) => submit({ from: `submit-${seq}`, seq, ...(seq % 2 === 0 ? { correlationId: `msg-${seq}` } : {}) })),
  );
  await all;
  await loop.stop();
  return { spans: tracing.spans(), seen };
}

/** The probe of a message with no id names `generated:<id>`: relabel it with the id its run really got, if that id is a fresh one. */
function expectOwnRuns({ spans, seen }: Outcome): void {
  const submitIds = new Set(Array.from({ length: RUNS }, (_, i) => `submit-${i}`));
  const generated = [...seen].filter(([seq]) => seq % 2 === 1).map(([, id]) => id);
  // A message with no id gets a fresh one, never the id of the run that started the loop.
  for (const id of generated) expect(id === undefined || submitIds.has(id), `generated id ${id}`).toBe(false);
  expect(new Set(generated).size).toBe(RUNS / 2);
  const relabelled = spans.map((span) => {
    const owner = span.attributes['test.owner'];
    if (typeof owner !== 'string' || !owner.startsWith('generated:')) return span;
    return Object.assign(Object.create(Object.getPrototypeOf(span) as object) as ReadableSpan, span, {
      attributes: { ...span.attributes, 'test.owner': owner.slice('generated:'.length) },
    });
  });
  assertSpansInTheirRuns(relabelled, { minProbes: RUNS });
  assertNoOrphans(spans);
  const handles = spans.filter((s) => s.name === 'invoke_agent handle message');
  expect(handles).toHaveLength(RUNS);
  expect(new Set(handles.map((s) => s.spanContext().traceId)).size).toBe(RUNS);
  for (const span of handles) expect(span.parentSpanContext).toBeUndefined();
}

describe.each(loops)('%s started lazily inside the first run', (_name, make) => {
  it('every run it starts is a trace of its own, linked to the run that started the loop, said once', async () => {
    const diagnostics = captureDiagnostics();
    try {
      const outcome = await drive(make);
      expectOwnRuns(outcome);
      const starter = outcome.spans.find((s) => s.name === 'invoke_agent submit' && s.attributes['agentrace.correlation_id'] === 'submit-0')!;
      for (const span of outcome.spans.filter((s) => s.name === 'invoke_agent handle message')) {
        expect(span.links.map((l) => l.context.spanId)).toEqual([starter.spanContext().spanId]);
      }
      const warnings = diagnostics.messages.filter((m) => m.text.includes('which has ended'));
      expect(warnings.length).toBeLessThanOrEqual(1);
    } finally {
      diagnostics.restore();
    }
  });

  it('with newTrace, runs never join the live run that started the loop', async () => {
    const outcome = await drive(make, { newTrace: true });
    expectOwnRuns(outcome);
  });

  it('started inside detached(), runs are roots with no link and no warning', async () => {
    const diagnostics = captureDiagnostics();
    try {
      const outcome = await drive(make, { start: (begin) => detached(begin) });
      expectOwnRuns(outcome);
      for (const span of outcome.spans.filter((s) => s.name === 'invoke_agent handle message')) expect(span.links).toEqual([]);
      expect(diagnostics.messages.filter((m) => m.text.includes('which has ended'))).toEqual([]);
    } finally {
      diagnostics.restore();
    }
  });
});
