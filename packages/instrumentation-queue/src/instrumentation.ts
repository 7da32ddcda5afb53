import type { Instrumentation } from '@opentelemetry/instrumentation';
import { startBacklogSampler } from './backlog.js';
import { reporter } from './diagnostics.js';
import { QUEUE_CLIENTS, type RegisteredQueueClient } from './registry.js';
import type { ConsumerParentMode, QueueInstrumentationConfig, QueueInstrumentationHandle } from './types.js';

/** The handle of the `instrumentQueues` call in effect, returned again by a second call. */
let current: QueueInstrumentationHandle | undefined;

/** A client's config from its key in the options, or `undefined` when it stays off. */
function clientConfig(client: RegisteredQueueClient, value: unknown, consumerParent: ConsumerParentMode | undefined): object | undefined {
  const defaults = consumerParent === undefined ? {} : { consumerParent };
  if (value === undefined) return client.onByDefault ? defaults : undefined;
  if (value === true) return defaults;
  if (value === false) return undefined;
  if (value !== null && typeof value === 'object') return (value as { enabled?: unknown }).enabled === false ? undefined : { ...defaults, ...value };
  const fallback = client.onByDefault ? 'on' : 'off';
  reporter.errorOnce(
    `option:${client.optionKey}`,
    `option ${client.optionKey} is ${String(value)}; accepted: true, false or an options object. Using the default (${fallback}).`,
  );
  return client.onByDefault ? defaults : undefined;
}

/**
 * The shortcut for apps without `registerInstrumentations`: creates and enables the instrumentation of
 * every registered client its options leave on (all of them by default: BullMQ, amqplib, in-process
 * queues, ioredis), against the global (or given) tracer provider, through require/import hooks: call it
 * before the app loads the libraries (`init` does). Returns a handle whose `disable()` puts the
 * libraries back and stops backlog sampling.
 *
 * Called again while an earlier call is in effect, it returns that call's handle and warns once: the
 * first options stay (disable the handle first to change them). Never throws: bad options are
 * reported once through `diag` and replaced by their defaults.
 */
export function instrumentQueues(config: QueueInstrumentationConfig = {}): QueueInstrumentationHandle {
  if (current !== undefined) {
    reporter.warnOnce(
      'instrumentQueues:again',
      'instrumentQueues() was called again while an earlier call is in effect; the earlier handle is returned and its options stay. Disable it first to change them.',
    );
    return current;
  }
  const enabled: Instrumentation[] = [];
  let stopSampler = (): void => {};
  try {
    const opts: QueueInstrumentationConfig = config !== null && typeof config === 'object' ? config : {};
    const tracerProvider = opts.tracerProvider;
    let consumerParent = opts.consumerParent;
    if (consumerParent !== undefined && consumerParent !== 'child' && consumerParent !== 'link') {
      reporter.errorOnce('option:consumerParent', `option consumerParent is ${String(consumerParent)}; accepted: 'child' or 'link'. Using 'child'.`);
      consumerParent = 'child';
    }
    for (const client of QUEUE_CLIENTS) {
      const cfg = clientConfig(client, opts[client.optionKey], consumerParent);
      if (cfg === undefined) continue;
      const Class = client.instrumentation as new (config: object) => Instrumentation;
      const instrumentation = new Class(cfg);
      if (tracerProvider) instrumentation.setTracerProvider(tracerProvider);
      enabled.push(instrumentation);
    }
    if (opts.backlog) stopSampler = startBacklogSampler(opts.backlog === true ? {} : opts.backlog, tracerProvider);
  } catch (error) {
    reporter.errorOnce('instrumentQueues', 'instrumentQueues failed; queues are not instrumented', error);
    for (const instrumentation of enabled) instrumentation.disable();
    return { disable() {} };
  }
  const handle: QueueInstrumentationHandle = {
    disable() {
      if (current === handle) current = undefined;
      stopSampler();
      for (const instrumentation of enabled) instrumentation.disable();
    },
  };
  current = handle;
  return handle;
}
