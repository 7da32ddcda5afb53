import { type Attributes, type Context, type Span, context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type BacklogSource, backlogSource, recordBacklog } from './backlog.js';
import type { AmqpChannelModule, AmqpMessage, AmqplibState } from './internal-types.js';
import { getTracer, injectCarrier, isThenable, recordFailure, reportOnce, runHook, startConsumerSpan } from './messaging.js';
import {
  ATTR_AGENTRACE_CONSUMER_CONCURRENCY,
  ATTR_AGENTRACE_CONSUMER_IN_FLIGHT,
  ATTR_AGENTRACE_MESSAGING_ATTEMPT,
  ATTR_AGENTRACE_MESSAGING_REDELIVERED,
  ATTR_AGENTRACE_MESSAGING_SETTLEMENT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_CONVERSATION_ID,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY,
  ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_OPERATION_TYPE_VALUE_RECEIVE,
  MESSAGING_OPERATION_TYPE_VALUE_SEND,
  MESSAGING_SYSTEM_VALUE_RABBITMQ,
} from './semconv.js';
import type { AmqplibInstrumentationOptions, ConsumerParentMode, QueueInstrumentationHandle } from './types.js';
import { wrapMethod } from './wrap.js';

type Fn = (this: any, ...args: any[]) => any;

/** A delivered message whose span ends once the handler has settled AND the message is acked/nacked. */
interface Delivery {
  span: Span;
  source: BacklogSource;
  tag: number;
  handlerDone: boolean;
  settled: boolean;
  ended: boolean;
}

/** Unsettled deliveries per channel, by delivery tag (acks with `allUpTo` settle a range). */
const pendingByChannel = new WeakMap<object, Map<number, Delivery>>();
const prefetchByChannel = new WeakMap<object, number>();
/** Set while ConfirmChannel.publish runs, so the Channel.publish it calls through `super` adds no second span. */
let inConfirmPublish = 0;

export function resolveAmqplibState(options: AmqplibInstrumentationOptions, defaults: { tracerProvider?: AmqplibState['tracerProvider']; consumerParent?: ConsumerParentMode }): AmqplibState {
  return {
    tracerProvider: defaults.tracerProvider,
    consumerParent: options.consumerParent ?? defaults.consumerParent ?? 'child',
    producerHook: options.producerHook,
    consumerHook: options.consumerHook,
  };
}

/** Patches amqplib's channel classes (`lib/channel_model.js` or `lib/callback_model.js` exports). */
export function patchAmqplibChannels(moduleExports: AmqpChannelModule, state: AmqplibState, callbackApi = false): () => void {
  const channel = moduleExports.Channel?.prototype;
  const confirm = moduleExports.ConfirmChannel?.prototype;
  return patchPrototypes(channel, confirm, state, callbackApi);
}

function patchPrototypes(channel: object | undefined, confirm: object | undefined, state: AmqplibState, callbackApi: boolean): () => void {
  if (!channel) {
    reportOnce('amqplib:shape', 'instrumentAmqplib: no amqplib Channel class found; nothing was instrumented');
    return () => {};
  }
  const undo = [
    wrapMethod(channel, 'publish', (original) => wrapPublish(original, state)),
    wrapMethod(channel, 'consume', (original) => wrapConsume(original, state)),
    wrapMethod(channel, 'ack', (original) => wrapSettle(original, 'ack')),
    wrapMethod(channel, 'nack', (original) => wrapSettle(original, 'nack')),
    wrapMethod(channel, 'reject', (original) => wrapSettle(original, 'reject')),
    wrapMethod(channel, 'ackAll', (original) => wrapSettleAll(original, 'ack')),
    wrapMethod(channel, 'nackAll', (original) => wrapSettleAll(original, 'nack')),
    wrapMethod(channel, 'emit', (original) => wrapEmit(original)),
    wrapMethod(channel, 'qos', (original) => wrapQos(original)),
    wrapMethod(channel, 'prefetch', (original) => wrapQos(original)),
    wrapMethod(confirm, 'publish', (original) => wrapConfirmPublish(original, state)),
  ];
  if (!callbackApi) {
    // Promise API only: these resolve with broker replies that carry queue counts / a message.
    undo.push(
      wrapMethod(channel, 'get', (original) => wrapGet(original, state)),
      wrapMethod(channel, 'assertQueue', (original) => wrapQueueReply(original)),
      wrapMethod(channel, 'checkQueue', (original) => wrapQueueReply(original)),
    );
  }
  return () => undo.forEach((restore) => restore());
}

/**
 * Explicit call: pass a connection (from `amqplib.connect`) or a channel, and every channel class it
 * makes is instrumented. Needed only where the require hook could not see amqplib load (it was
 * loaded before `instrumentQueues`, or you bring your own provider).
 */
export function instrumentAmqplib(target: unknown, options: AmqplibInstrumentationOptions & { tracerProvider?: AmqplibState['tracerProvider'] } = {}): QueueInstrumentationHandle {
  const state = resolveAmqplibState(options, options);
  if (!target || typeof target !== 'object') {
    reportOnce('amqplib:arg', `instrumentAmqplib: expected an amqplib connection or channel, got ${typeof target}`);
    return { disable() {} };
  }
  const t = target as Record<string, unknown>;
  if (typeof t.Channel === 'function') return { disable: patchAmqplibChannels(t as AmqpChannelModule, state) };
  if (typeof t.consume === 'function' && typeof t.publish === 'function') return { disable: patchInstanceClasses(target, state) };
  if (typeof t.createChannel === 'function') {
    const undo: Array<() => void> = [];
    // Each channel class is patched once, however many channels the connection opens.
    const patched = new Set<object>();
    let disabled = false;
    const patchReturned = (original: Fn): Fn =>
      function createChannel(this: unknown, ...args: unknown[]) {
        const result = original.apply(this, args);
        if (isThenable(result)) {
          return result.then((ch) => {
            if (!disabled && ch && typeof ch === 'object') {
              const proto = Object.getPrototypeOf(ch) as object;
              if (!patched.has(proto)) {
                patched.add(proto);
                undo.push(patchInstanceClasses(ch, state));
              }
            }
            return ch;
          });
        }
        return result;
      };
    undo.push(wrapMethod(target, 'createChannel', patchReturned), wrapMethod(target, 'createConfirmChannel', patchReturned));
    return {
      disable() {
        disabled = true;
        // Last patch first: each restore puts back what was there before it, so the originals come back
        // even where one class was patched twice (a confirm channel, then a plain one).
        for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
        undo.length = 0;
      },
    };
  }
  reportOnce('amqplib:arg', 'instrumentAmqplib: the argument is neither an amqplib connection nor a channel; nothing was instrumented');
  return { disable() {} };
}

/** Finds Channel / ConfirmChannel prototypes from an instance's prototype chain. */
function patchInstanceClasses(instance: object, state: AmqplibState): () => void {
  let channel: object | undefined;
  let confirm: object | undefined;
  for (let proto = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (!confirm && Object.prototype.hasOwnProperty.call(proto, 'waitForConfirms')) confirm = proto;
    if (!channel && Object.prototype.hasOwnProperty.call(proto, 'consume')) channel = proto;
  }
  return patchPrototypes(channel, confirm, state, false);
}

function destinationOf(exchange: unknown, routingKey: unknown): string {
  const ex = typeof exchange === 'string' ? exchange : '';
  const rk = typeof routingKey === 'string' ? routingKey : '';
  return ex || rk || 'amq.default';
}

interface PublishStart {
  span: Span;
  ctx: Context;
  options: Record<string, unknown>;
}

function startPublish(state: AmqplibState, exchange: unknown, routingKey: unknown, content: unknown, options: unknown): PublishStart {
  const destination = destinationOf(exchange, routingKey);
  const opts = (options && typeof options === 'object' ? options : {}) as Record<string, unknown>;
  const attributes: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_RABBITMQ,
    [ATTR_MESSAGING_DESTINATION_NAME]: destination,
    [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_SEND,
    [ATTR_MESSAGING_OPERATION_NAME]: 'publish',
    [ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY]: typeof routingKey === 'string' ? routingKey : '',
  };
  if (opts.messageId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_ID] = String(opts.messageId);
  if (opts.correlationId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = String(opts.correlationId);
  const span = getTracer(state.tracerProvider).startSpan(`publish ${destination}`, { kind: SpanKind.PRODUCER, attributes });
  if (state.producerHook) runHook('producerHook', state.producerHook, span, { system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination, message: { exchange, routingKey, content, options } });
  const source = backlogSource(MESSAGING_SYSTEM_VALUE_RABBITMQ, destination);
  if (source.latest) recordBacklog(span, source);
  const ctx = trace.setSpan(context.active(), span);
  // A copy: the caller's options object (and its headers) are never modified. Injected after the hook.
  const headers = injectCarrier(ctx, { ...(opts.headers && typeof opts.headers === 'object' ? (opts.headers as Record<string, unknown>) : {}) });
  return { span, ctx, options: { ...opts, headers } };
}

function wrapPublish(original: Fn, state: AmqplibState): Fn {
  return function publish(this: unknown, exchange: unknown, routingKey: unknown, content: unknown, options: unknown, ...rest: unknown[]) {
    if (inConfirmPublish > 0) return original.apply(this, [exchange, routingKey, content, options, ...rest]);
    const { span, options: opts } = startPublish(state, exchange, routingKey, content, options);
    try {
      // No context switch needed: publish only encodes and buffers the frame, synchronously.
      return original.apply(this, [exchange, routingKey, content, opts, ...rest]);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      // amqplib's publish only buffers the frame: there is nothing later to wait for.
      span.end();
    }
  };
}

function wrapConfirmPublish(original: Fn, state: AmqplibState): Fn {
  return function publish(this: unknown, exchange: unknown, routingKey: unknown, content: unknown, options: unknown, callback?: unknown, ...rest: unknown[]) {
    const { span, ctx, options: opts } = startPublish(state, exchange, routingKey, content, options);
    const userCallback = typeof callback === 'function' ? (callback as Fn) : undefined;
    // The span ends when the broker confirms (ack) or refuses (nack) the message.
    const onConfirm = context.bind(ctx, function (this: unknown, err: unknown, ok: unknown) {
      if (err) recordFailure(span, err, 'message nacked by the broker');
      span.end();
      if (userCallback) return userCallback.call(this, err, ok);
    });
    inConfirmPublish++;
    try {
      return original.apply(this, [exchange, routingKey, content, opts, onConfirm, ...rest]);
    } catch (error) {
      recordFailure(span, error);
      span.end();
      throw error;
    } finally {
      inConfirmPublish--;
    }
  };
}

function pendingOf(channel: object): Map<number, Delivery> {
  let pending = pendingByChannel.get(channel);
  if (!pending) {
    pending = new Map();
    pendingByChannel.set(channel, pending);
  }
  return pending;
}

function deliveryAttributes(queue: string, msg: AmqpMessage, operationType: string, operationName: string, source: BacklogSource): Attributes {
  const fields = msg.fields;
  const props = msg.properties ?? ({} as AmqpMessage['properties']);
  const attributes: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_RABBITMQ,
    [ATTR_MESSAGING_DESTINATION_NAME]: queue,
    [ATTR_MESSAGING_OPERATION_TYPE]: operationType,
    [ATTR_MESSAGING_OPERATION_NAME]: operationName,
    [ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY]: fields.routingKey ?? '',
    [ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG]: fields.deliveryTag,
    [ATTR_AGENTRACE_CONSUMER_IN_FLIGHT]: source.inFlight,
  };
  if (source.concurrency !== undefined) attributes[ATTR_AGENTRACE_CONSUMER_CONCURRENCY] = source.concurrency;
  if (fields.redelivered) attributes[ATTR_AGENTRACE_MESSAGING_REDELIVERED] = true;
  if (props.messageId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_ID] = String(props.messageId);
  if (props.correlationId !== undefined) attributes[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = String(props.correlationId);
  // Quorum queues count deliveries in x-delivery-count; classic queues only say "redelivered".
  const count = props.headers?.['x-delivery-count'];
  if (typeof count === 'number') attributes[ATTR_AGENTRACE_MESSAGING_ATTEMPT] = count + 1;
  else if (!fields.redelivered) attributes[ATTR_AGENTRACE_MESSAGING_ATTEMPT] = 1;
  return attributes;
}

/** A consumer's queue, looked up once per `consume` call rather than per message. */
interface Consumer {
  queue: string;
  source: BacklogSource;
  /** `{operation} {queue}`. */
  spanName: string;
}

function consumerOf(queue: string, operationName: string): Consumer {
  return { queue, source: backlogSource(MESSAGING_SYSTEM_VALUE_RABBITMQ, queue), spanName: `${operationName} ${queue}` };
}

function startDelivery(state: AmqplibState, channel: object, consumer: Consumer, msg: AmqpMessage, noAck: boolean, operationType: string, operationName: string): { delivery: Delivery; ctx: Context } {
  const { queue, source } = consumer;
  source.inFlight++;
  const prefetch = prefetchByChannel.get(channel);
  if (prefetch !== undefined) source.concurrency = prefetch;
  const { span, ctx } = startConsumerSpan(
    getTracer(state.tracerProvider),
    consumer.spanName,
    deliveryAttributes(queue, msg, operationType, operationName, source),
    msg.properties?.headers,
    state.consumerParent,
  );
  if (source.latest) recordBacklog(span, source);
  if (state.consumerHook) runHook('consumerHook', state.consumerHook, span, { system: MESSAGING_SYSTEM_VALUE_RABBITMQ, destination: queue, message: msg });
  const delivery: Delivery = { span, source, tag: msg.fields.deliveryTag, handlerDone: false, settled: noAck, ended: false };
  if (noAck) span.setAttribute(ATTR_AGENTRACE_MESSAGING_SETTLEMENT, 'auto');
  else pendingOf(channel).set(delivery.tag, delivery);
  return { delivery, ctx };
}

function maybeEnd(delivery: Delivery): void {
  if (delivery.ended || !delivery.handlerDone || !delivery.settled) return;
  delivery.ended = true;
  delivery.source.inFlight--;
  delivery.span.end();
}

function handlerDone(delivery: Delivery): void {
  delivery.handlerDone = true;
  maybeEnd(delivery);
}

function settle(delivery: Delivery, how: string, requeue?: unknown): void {
  if (delivery.settled) return;
  delivery.settled = true;
  delivery.span.setAttribute(ATTR_AGENTRACE_MESSAGING_SETTLEMENT, how);
  if (how !== 'ack') {
    const message = how === 'channel_closed' ? 'channel closed before the message was settled' : `message ${how}ed${requeue === false ? ' without requeue' : ''}`;
    delivery.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
  maybeEnd(delivery);
}

function wrapConsume(original: Fn, state: AmqplibState): Fn {
  return function consume(this: object, queue: unknown, callback: unknown, options: unknown, ...rest: unknown[]) {
    if (typeof callback !== 'function') return original.apply(this, [queue, callback, options, ...rest]);
    const channel = this;
    const noAck = !!(options && typeof options === 'object' && (options as { noAck?: unknown }).noAck);
    const consumer = consumerOf(typeof queue === 'string' && queue ? queue : 'amq.anonymous', 'process');
    const handler = callback as Fn;
    const onMessage = function (this: unknown, msg: AmqpMessage | null) {
      // null: the broker cancelled the consumer; not a message.
      if (!msg || typeof msg !== 'object' || !msg.fields) return handler.call(this, msg);
      const { delivery, ctx } = startDelivery(state, channel, consumer, msg, noAck, MESSAGING_OPERATION_TYPE_VALUE_PROCESS, 'process');
      let result: unknown;
      try {
        result = context.with(ctx, () => handler.call(this, msg));
      } catch (error) {
        recordFailure(delivery.span, error);
        handlerDone(delivery);
        throw error;
      }
      if (!isThenable(result)) {
        handlerDone(delivery);
        return result;
      }
      // Chained (not a side chain) so an unhandled rejection stays unhandled, with the same error.
      return result.then(
        (value) => {
          handlerDone(delivery);
          return value;
        },
        (error: unknown) => {
          recordFailure(delivery.span, error);
          handlerDone(delivery);
          throw error;
        },
      );
    };
    return original.apply(this, [queue, onMessage, options, ...rest]);
  };
}

function wrapGet(original: Fn, state: AmqplibState): Fn {
  return function get(this: object, queue: unknown, options: unknown, ...rest: unknown[]) {
    const result = original.apply(this, [queue, options, ...rest]);
    if (!isThenable(result)) return result;
    const channel = this;
    const noAck = !!(options && typeof options === 'object' && (options as { noAck?: unknown }).noAck);
    const queueName = typeof queue === 'string' ? queue : '';
    return result.then((msg) => {
      if (msg && typeof msg === 'object' && (msg as AmqpMessage).fields) {
        const m = msg as AmqpMessage;
        const source = backlogSource(MESSAGING_SYSTEM_VALUE_RABBITMQ, queueName);
        if (typeof m.fields.messageCount === 'number') source.latest = { ...source.latest, waiting: m.fields.messageCount };
        // `get` hands the message back to the caller: the receive span cannot wrap the caller's work,
        // so it ends when the message is settled (or now, with noAck).
        const { delivery } = startDelivery(state, channel, consumerOf(queueName, 'receive'), m, noAck, MESSAGING_OPERATION_TYPE_VALUE_RECEIVE, 'receive');
        handlerDone(delivery);
      }
      return msg;
    });
  };
}

function wrapQueueReply(original: Fn): Fn {
  return function queueReply(this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (!isThenable(result)) return result;
    return result.then((ok) => {
      const reply = ok as { queue?: unknown; messageCount?: unknown; consumerCount?: unknown } | undefined;
      if (reply && typeof reply.queue === 'string' && typeof reply.messageCount === 'number') {
        const source = backlogSource(MESSAGING_SYSTEM_VALUE_RABBITMQ, reply.queue);
        source.latest = { ...source.latest, waiting: reply.messageCount, consumers: Number(reply.consumerCount) || 0 };
      }
      return ok;
    });
  };
}

function wrapQos(original: Fn): Fn {
  return function qos(this: object, count: unknown, ...rest: unknown[]) {
    if (typeof count === 'number') prefetchByChannel.set(this, count);
    return original.apply(this, [count, ...rest]);
  };
}

function wrapSettle(original: Fn, how: 'ack' | 'nack' | 'reject'): Fn {
  return function settleOne(this: object, message: AmqpMessage, second?: unknown, third?: unknown) {
    const pending = pendingByChannel.get(this);
    const tag = message?.fields?.deliveryTag;
    if (pending && typeof tag === 'number') {
      // ack(msg, allUpTo) / nack(msg, allUpTo, requeue) / reject(msg, requeue)
      const allUpTo = how !== 'reject' && second === true;
      const requeue = how === 'reject' ? second : third;
      if (allUpTo) {
        for (const [t, delivery] of pending) {
          if (t <= tag) {
            pending.delete(t);
            settle(delivery, how, requeue);
          }
        }
      } else {
        const delivery = pending.get(tag);
        if (delivery) {
          pending.delete(tag);
          settle(delivery, how, requeue);
        }
      }
    }
    // The caller's arguments as given (same count): no array built per ack.
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

function wrapSettleAll(original: Fn, how: 'ack' | 'nack'): Fn {
  return function settleAll(this: object, ...args: unknown[]) {
    const pending = pendingByChannel.get(this);
    if (pending) {
      for (const delivery of pending.values()) settle(delivery, how, args[0]);
      pending.clear();
    }
    return original.apply(this, args);
  };
}

function wrapEmit(original: Fn): Fn {
  return function emit(this: object, event: unknown, ...args: unknown[]) {
    if (event === 'close' || event === 'error') {
      const pending = pendingByChannel.get(this);
      if (pending && pending.size > 0) {
        for (const delivery of pending.values()) {
          delivery.handlerDone = true;
          settle(delivery, 'channel_closed');
        }
        pending.clear();
      }
    }
    return original.apply(this, [event, ...args]);
  };
}
