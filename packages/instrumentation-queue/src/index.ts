// CONTRACT: `instrumentQueues(options)` enables the queue-client instrumentations (BullMQ, amqplib,
// ...) against the global (or given) tracer provider; returns a handle to disable them.
import type { TracerProvider } from '@opentelemetry/api';

export interface QueueInstrumentationOptions {
  /** Provider to use; default: the global one. */
  tracerProvider?: TracerProvider;
}

export interface QueueInstrumentationHandle {
  disable(): void;
}

export function instrumentQueues(_options: QueueInstrumentationOptions = {}): QueueInstrumentationHandle {
  return { disable() {} };
}
