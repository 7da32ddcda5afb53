import { type Context, type Span, context, SpanKind, trace } from '@opentelemetry/api';
import { endWhenSettled, getTracer, recordFailure, reportOnce } from './messaging.js';
import {
  ATTR_AGENTRACE_MESSAGING_WAIT_MS,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_SYSTEM_VALUE_IN_PROCESS,
} from './semconv.js';
import type { BindToEnqueuerOptions } from './types.js';

/**
 * Binds `task` to the context active now (the enqueuer's), for in-process queues (p-queue, fastq,
 * an EventEmitter dispatcher, ...). Call it where the task is enqueued; when the queue later runs the
 * returned function, the task runs in the enqueuer's context instead of the worker's, inside an
 * optional CONSUMER `process {destination}` span with the time it waited in the queue.
 * The returned function keeps `this`, the arguments, the return value and the thrown error (the same
 * object); for a promise it returns one that settles with the task's own value or error.
 */
// `any` parameters: any task signature is accepted and returned with the same type.
export function bindToEnqueuer<F extends (...args: any[]) => unknown>(task: F, options: BindToEnqueuerOptions = {}): F {
  if (typeof task !== 'function') {
    reportOnce('bindToEnqueuer:task', `bindToEnqueuer: expected a function, got ${typeof task}; returned it unchanged`);
    return task;
  }
  const enqueuer = context.active();
  if (options.span === false) return context.bind(enqueuer, task);
  const enqueuedAt = performance.now();
  const { destination = 'task', system = MESSAGING_SYSTEM_VALUE_IN_PROCESS, consumerParent = 'child' } = options;
  const provider = options.tracerProvider;
  const extra = options.attributes;

  const bound = function (this: unknown, ...args: unknown[]): unknown {
    const span = startProcessSpan(enqueuer, consumerParent, `process ${destination}`, provider);
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR_MESSAGING_SYSTEM]: system,
        [ATTR_MESSAGING_DESTINATION_NAME]: destination,
        [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
        [ATTR_MESSAGING_OPERATION_NAME]: 'process',
        [ATTR_AGENTRACE_MESSAGING_WAIT_MS]: performance.now() - enqueuedAt,
      });
      if (extra) span.setAttributes(extra);
    }
    const runCtx = trace.setSpan(consumerParent === 'child' ? enqueuer : trace.deleteSpan(enqueuer), span);
    return context.with(runCtx, () => {
      let result: unknown;
      try {
        result = task.apply(this, args);
      } catch (error) {
        recordFailure(span, error);
        span.end();
        throw error;
      }
      return endWhenSettled(span, result);
    });
  };
  return bound as unknown as F;
}

function startProcessSpan(enqueuer: Context, mode: 'child' | 'link', name: string, provider: BindToEnqueuerOptions['tracerProvider']): Span {
  const tracer = getTracer(provider);
  if (mode === 'child') return tracer.startSpan(name, { kind: SpanKind.CONSUMER }, enqueuer);
  const producer = trace.getSpanContext(enqueuer);
  return tracer.startSpan(name, { kind: SpanKind.CONSUMER, root: true, links: producer ? [{ context: producer }] : [] }, enqueuer);
}
