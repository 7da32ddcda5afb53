import { type Attributes, type Span, type TracerProvider, metrics, SpanKind } from '@opentelemetry/api';
import { reporter } from './diagnostics.js';
import { getTracer } from './messaging.js';
import {
  ATTR_AGENTRACE_CONSUMER_CONCURRENCY,
  ATTR_AGENTRACE_CONSUMER_IN_FLIGHT,
  ATTR_AGENTRACE_QUEUE_ACTIVE,
  ATTR_AGENTRACE_QUEUE_CONSUMERS,
  ATTR_AGENTRACE_QUEUE_DELAYED,
  ATTR_AGENTRACE_QUEUE_FAILED,
  ATTR_AGENTRACE_QUEUE_WAITING,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_SYSTEM,
} from './semconv.js';
import type { BacklogSamplingConfig } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/** What a queue can tell about its backlog; absent fields are unknown. */
export interface BacklogCounts {
  waiting?: number;
  active?: number;
  delayed?: number;
  failed?: number;
  consumers?: number;
}

/** One queue this process produced to or consumed from. */
export interface BacklogSource {
  readonly system: string;
  readonly destination: string;
  /** Asks the broker for fresh counts (BullMQ only; RabbitMQ counts come from replies the app already gets). */
  probe?: () => Promise<BacklogCounts>;
  /** The last counts known, from a probe or a broker reply. */
  latest?: BacklogCounts;
  /** Messages this process is processing right now from this queue. */
  inFlight: number;
  /** Consumer concurrency when known (BullMQ worker concurrency, RabbitMQ prefetch). */
  concurrency?: number;
}

/**
 * Queues whose backlog is remembered (sampled, reported as gauges). Queue names come from outside the
 * process (RPC reply queues, per-job or per-tenant queues, a caller's `replyTo`), so the map is bounded:
 * at most 1,024 queues; past that the least recently used one is forgotten (whoever still holds its
 * source keeps counting on it, it is just no longer sampled).
 */
export const MAX_BACKLOG_SOURCES = 1024;
const sources = new Map<string, BacklogSource>();

/** The source for a queue, created on first use. */
export function backlogSource(system: string, destination: string): BacklogSource {
  const key = `${system}\u0000${destination}`;
  let source = sources.get(key);
  if (!source) {
    source = { system, destination, inFlight: 0 };
    if (sources.size >= MAX_BACKLOG_SOURCES) sources.delete(sources.keys().next().value!);
    sources.set(key, source);
  } else if (sources.size > MAX_BACKLOG_SOURCES / 2) {
    // Kept in use order only once the map fills up: no map writes per message for the usual few queues.
    sources.delete(key);
    sources.set(key, source);
  }
  return source;
}

/** How many queues are remembered now (at most `MAX_BACKLOG_SOURCES`). */
export function backlogSourceCount(): number {
  return sources.size;
}

/** Puts the last known counts of the queue's backlog on `span` (no broker round trip). */
export function recordBacklog(span: Span, source: BacklogSource): void {
  const latest = source.latest;
  if (latest) span.setAttributes(countAttributes(latest));
}

function countAttributes(counts: BacklogCounts): Attributes {
  const attributes: Attributes = {};
  if (counts.waiting !== undefined) attributes[ATTR_AGENTRACE_QUEUE_WAITING] = counts.waiting;
  if (counts.active !== undefined) attributes[ATTR_AGENTRACE_QUEUE_ACTIVE] = counts.active;
  if (counts.delayed !== undefined) attributes[ATTR_AGENTRACE_QUEUE_DELAYED] = counts.delayed;
  if (counts.failed !== undefined) attributes[ATTR_AGENTRACE_QUEUE_FAILED] = counts.failed;
  if (counts.consumers !== undefined) attributes[ATTR_AGENTRACE_QUEUE_CONSUMERS] = counts.consumers;
  return attributes;
}

/** Refreshes every probe-able source, then returns a snapshot of all sources. */
export async function sampleBacklog(): Promise<BacklogSource[]> {
  const all = [...sources.values()];
  await Promise.all(
    all.map(async (source) => {
      if (!source.probe) return;
      try {
        source.latest = await source.probe();
      } catch (error) {
        // A closed queue: stop asking it, keep its last counts.
        source.probe = undefined;
        reporter.errorOnce(`backlog:${source.system}:${source.destination}`, `backlog probe of ${source.destination} failed; it is no longer sampled`, error);
      }
    }),
  );
  return all;
}

/** Starts the periodic sampler; returns a function that stops it. */
export function startBacklogSampler(options: BacklogSamplingConfig, tracerProvider: TracerProvider | undefined): () => void {
  const { intervalMs = 15_000, spans = true, metrics: withMetrics = true } = options;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    reporter.errorOnce('backlog:interval', `option backlog.intervalMs is ${String(intervalMs)}; accepted: a positive number of milliseconds. Sampling is off`);
    return () => {};
  }
  let stopMetrics = (): void => {};
  if (withMetrics) stopMetrics = registerGauges(options);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sampleBacklog()
      .then((snapshot) => {
        if (spans && snapshot.length > 0) emitSampleSpan(snapshot, tracerProvider);
      })
      .catch((error: unknown) => reporter.errorOnce('backlog:sample', 'backlog sample failed', error))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  // Sampling must never keep the process alive.
  timer.unref();
  return () => {
    clearInterval(timer);
    stopMetrics();
  };
}

/** One short span per sample, with one `queue.backlog` event per queue. */
export function emitSampleSpan(snapshot: BacklogSource[], tracerProvider: TracerProvider | undefined): void {
  const span = getTracer(tracerProvider).startSpan('sample queues', { kind: SpanKind.INTERNAL, root: true });
  for (const source of snapshot) {
    span.addEvent('queue.backlog', {
      [ATTR_MESSAGING_SYSTEM]: source.system,
      [ATTR_MESSAGING_DESTINATION_NAME]: source.destination,
      [ATTR_AGENTRACE_CONSUMER_IN_FLIGHT]: source.inFlight,
      ...(source.concurrency !== undefined ? { [ATTR_AGENTRACE_CONSUMER_CONCURRENCY]: source.concurrency } : {}),
      ...(source.latest ? countAttributes(source.latest) : {}),
    });
  }
  span.end();
}

function registerGauges(options: BacklogSamplingConfig): () => void {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(PACKAGE_NAME, PACKAGE_VERSION);
  const gauges: Array<[string, (s: BacklogSource) => number | undefined]> = [
    [ATTR_AGENTRACE_QUEUE_WAITING, (s) => s.latest?.waiting],
    [ATTR_AGENTRACE_QUEUE_ACTIVE, (s) => s.latest?.active],
    [ATTR_AGENTRACE_QUEUE_DELAYED, (s) => s.latest?.delayed],
    [ATTR_AGENTRACE_QUEUE_CONSUMERS, (s) => s.latest?.consumers],
    [ATTR_AGENTRACE_CONSUMER_IN_FLIGHT, (s) => s.inFlight],
  ];
  const removers: Array<() => void> = [];
  for (const [name, read] of gauges) {
    const gauge = meter.createObservableGauge(name, { unit: '{message}' });
    const callback = (result: { observe(value: number, attributes?: Attributes): void }): void => {
      for (const source of sources.values()) {
        const value = read(source);
        if (value !== undefined) {
          result.observe(value, { [ATTR_MESSAGING_SYSTEM]: source.system, [ATTR_MESSAGING_DESTINATION_NAME]: source.destination });
        }
      }
    };
    gauge.addCallback(callback);
    removers.push(() => gauge.removeCallback(callback));
  }
  return () => removers.forEach((remove) => remove());
}
