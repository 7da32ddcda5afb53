// amqplib (RabbitMQ): where amqplib keeps what the shared producer and consumer need. The context
// rides in the message headers (on a copy of the caller's options); a consumed message's span ends
// when its handler is done and it is acked, nacked or rejected (pull style for `channel.get`).
import { type Attributes, type Context, type TracerProvider, context, propagation, trace } from '@opentelemetry/api';
import { acceptInboundContext, capString, inboundHeaderGetter, isThenable, sanitizeInboundValue } from '@agentrace/core';
import { type BacklogSource, backlogSource } from './backlog.js';
import { reporter } from './diagnostics.js';
import { alwaysOutsideRuns, outsideRuns, wrapEmit } from './event-context.js';
import type { AmqpChannelModule, AmqpMessage, ClientState, Delivery, StateSource } from './internal-types.js';
import {
  canCarry,
  endFailed,
  extractContext,
  handlerDone,
  recordMessagingFailure,
  resolveClientState,
  runHandler,
  settleDelivery,
  startDelivery,
  startProducer,
} from './messaging.js';
import * as semconv from './semconv.js';
import type { MessagingInstrumentationConfig, QueueInstrumentationHandle } from './types.js';
import { wrapMethod } from './wrap.js';

/** Options of the amqplib instrumentation (`AmqplibInstrumentation`, `instrumentQueues({ amqplib })`, `instrumentAmqplib`). */
export interface AmqplibInstrumentationConfig extends MessagingInstrumentationConfig {}

type Fn = (this: any, ...args: any[]) => any;

/** Longest message id or correlation id recorded (AMQP short strings are at most 255 bytes anyway). */
const MAX_ID_BYTES = 256;

/**
 * Unsettled deliveries per channel, by delivery tag (acks with `allUpTo` settle a range). Bounded by
 * what the broker lets a channel hold unacked (its prefetch), and emptied when the channel closes.
 */
const pendingByChannel = new WeakMap<object, Map<number, Delivery>>();
const prefetchByChannel = new WeakMap<object, number>();
/**
 * Quorum queues this process declared (`assertQueue` with `x-queue-type: quorum`): their x-delivery-count
 * is the broker's. Queue names come from outside, so at most 1,024 are remembered; past that the
 * oldest is forgotten (its redeliveries then go without an attempt number).
 */
const quorumQueues = new Set<string>();
const MAX_QUORUM_QUEUES = 1024;

function rememberQueueType(queue: unknown, options: unknown): void {
  if (typeof queue !== 'string' || queue === '' || options === null || typeof options !== 'object') return;
  const args = (options as { arguments?: Record<string, unknown> }).arguments;
  if (args?.['x-queue-type'] !== 'quorum') return;
  if (quorumQueues.size >= MAX_QUORUM_QUEUES && !quorumQueues.has(queue)) quorumQueues.delete(quorumQueues.values().next().value!);
  quorumQueues.add(queue);
}

/** Set while ConfirmChannel.publish runs, so the Channel.publish it calls through `super` adds no second span. */
let inConfirmPublish = 0;

export function resolveAmqplibState(config: AmqplibInstrumentationConfig, tracerProvider: TracerProvider | undefined): ClientState {
  return resolveClientState(semconv.MESSAGING_SYSTEM_VALUE_RABBITMQ, 'amqplib', config, tracerProvider);
}

/** shimmer (what the official OpenTelemetry instrumentations wrap with) marks its wrappers this way. */
function isShimmerWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { __wrapped?: unknown }).__wrapped === true;
}

/**
 * `traced`, unless the official `@opentelemetry/instrumentation-amqplib` wrapped the same method
 * (below this wrapper, or over it): then it makes the span and carries the context, and this one
 * passes straight through, so each message has one PRODUCER and one CONSUMER span. Checked per call,
 * so the order the two were registered in does not matter.
 */
function besideOfficial(name: string, original: Fn, traced: Fn): Fn {
  return function (this: Record<string, unknown> | undefined) {
    if (isShimmerWrapped(original) || isShimmerWrapped(this?.[name])) return original.apply(this, arguments as unknown as unknown[]);
    return traced.apply(this, arguments as unknown as unknown[]);
  };
}

/** Patches the channel classes of amqplib's promise API (`lib/channel_model.js` exports). */
export function patchAmqplibChannels(moduleExports: AmqpChannelModule, source: StateSource): () => void {
  return patchPrototypes(moduleExports.Channel?.prototype, moduleExports.ConfirmChannel?.prototype, source, false);
}

/** Patches the channel classes of amqplib's callback API (`lib/callback_model.js` exports). */
export function patchAmqplibCallbackChannels(moduleExports: AmqpChannelModule, source: StateSource): () => void {
  return patchPrototypes(moduleExports.Channel?.prototype, moduleExports.ConfirmChannel?.prototype, source, true);
}

function patchPrototypes(channel: object | undefined, confirm: object | undefined, source: StateSource, callbackApi: boolean): () => void {
  if (!channel) {
    reporter.errorOnce('amqplib:shape', 'no amqplib Channel class found; nothing was instrumented');
    return () => {};
  }
  const undo = [
    wrapMethod(channel, 'publish', (original) => besideOfficial('publish', original, wrapPublish(original, source))),
    wrapMethod(channel, 'consume', (original) => besideOfficial('consume', original, wrapConsume(original, source))),
    wrapMethod(channel, 'ack', (original) => wrapSettle(original, 'ack')),
    wrapMethod(channel, 'nack', (original) => wrapSettle(original, 'nack')),
    wrapMethod(channel, 'reject', (original) => wrapSettle(original, 'reject')),
    wrapMethod(channel, 'ackAll', (original) => wrapSettleAll(original, 'ack')),
    wrapMethod(channel, 'nackAll', (original) => wrapSettleAll(original, 'nack')),
    wrapMethod(channel, 'emit', (original) => wrapChannelEmit(original)),
    wrapMethod(channel, 'qos', (original) => wrapQos(original)),
    wrapMethod(channel, 'prefetch', (original) => wrapQos(original)),
    wrapMethod(confirm, 'publish', (original) => besideOfficial('publish', original, wrapConfirmPublish(original, source))),
  ];
  if (!callbackApi) {
    // Promise API only: these resolve with broker replies that carry queue counts / a message.
    undo.push(
      wrapMethod(channel, 'get', (original) => besideOfficial('get', original, wrapGet(original, source))),
      wrapMethod(channel, 'assertQueue', (original) => wrapQueueReply(original)),
      wrapMethod(channel, 'checkQueue', (original) => wrapQueueReply(original)),
    );
  }
  return () => undo.forEach((restore) => restore());
}

/**
 * Patches the `emit` of amqplib's `Connection` (`lib/connection.js` exports), which both APIs' models
 * re-emit from (`close`, `error`, `blocked`, `unblocked`, ...): their listeners run outside the run
 * that opened the connection. Returns the undo.
 */
export function patchAmqplibConnection(moduleExports: { Connection?: { prototype?: object } } | undefined, _source: StateSource): () => void {
  return wrapConnectionEmit(moduleExports?.Connection?.prototype);
}

function wrapConnectionEmit(proto: object | undefined): () => void {
  // Only amqplib's own class: never EventEmitter.prototype, which the connection's emit is inherited from.
  if (!proto || !Object.prototype.hasOwnProperty.call(proto, 'sendMethod')) {
    reporter.errorOnce('amqplib:connection', 'no amqplib Connection class found; its events keep the context it was opened in');
    return () => {};
  }
  return wrapMethod(proto, 'emit', (original) => wrapEmit(original, 'amqplib', alwaysOutsideRuns));
}

/** The explicit form's patch of the class of `connection` (a channel's or a model's), if it is one. */
function patchConnectionOf(connection: unknown): () => void {
  return connection !== null && typeof connection === 'object' ? wrapConnectionEmit(Object.getPrototypeOf(connection) as object | undefined) : () => {};
}

/**
 * Explicit form: pass a connection (from `amqplib.connect`) or a channel, and every channel class it
 * makes is instrumented, and the class of its underlying connection (whose events then run outside any
 * run). Needed only where the require hook could not see amqplib load (it was loaded before the
 * instrumentation was enabled).
 */
export function instrumentAmqplib(
  target: unknown,
  options: AmqplibInstrumentationConfig & { tracerProvider?: TracerProvider } = {},
): QueueInstrumentationHandle {
  const tracerProvider = options !== null && typeof options === 'object' ? options.tracerProvider : undefined;
  const source: StateSource = { state: resolveAmqplibState(options, tracerProvider) };
  if (!target || typeof target !== 'object') {
    reporter.errorOnce('amqplib:arg', `instrumentAmqplib: expected an amqplib connection or channel, got ${typeof target}; nothing was instrumented`);
    return { disable() {} };
  }
  const t = target as Record<string, unknown>;
  if (typeof t.Channel === 'function') return { disable: patchAmqplibChannels(t as AmqpChannelModule, source) };
  if (typeof t.consume === 'function' && typeof t.publish === 'function') {
    const undo = [patchInstanceClasses(target, source), patchConnectionOf(t.connection)];
    return { disable: () => undo.forEach((restore) => restore()) };
  }
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
                undo.push(patchInstanceClasses(ch, source));
              }
            }
            return ch;
          });
        }
        return result;
      };
    undo.push(wrapMethod(target, 'createChannel', patchReturned), wrapMethod(target, 'createConfirmChannel', patchReturned));
    undo.push(patchConnectionOf(t.connection));
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
  reporter.errorOnce('amqplib:arg', 'instrumentAmqplib: the argument is neither an amqplib connection nor a channel; nothing was instrumented');
  return { disable() {} };
}

/** Finds Channel / ConfirmChannel prototypes from an instance's prototype chain. */
function patchInstanceClasses(instance: object, source: StateSource): () => void {
  let channel: object | undefined;
  let confirm: object | undefined;
  for (let proto = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (!confirm && Object.prototype.hasOwnProperty.call(proto, 'waitForConfirms')) confirm = proto;
    if (!channel && Object.prototype.hasOwnProperty.call(proto, 'consume')) channel = proto;
  }
  return patchPrototypes(channel, confirm, source, false);
}

function destinationOf(exchange: unknown, routingKey: unknown): string {
  const ex = typeof exchange === 'string' ? exchange : '';
  const rk = typeof routingKey === 'string' ? routingKey : '';
  return ex || rk || 'amq.default';
}

/** What a publish is about, read from the caller's arguments before any span exists. */
interface Publish {
  destination: string;
  attributes: Attributes;
  /** A copy of the caller's headers: the carrier (a throwaway object when the options cannot carry it). */
  headers: Record<string, unknown>;
  /** A copy of the caller's options holding `headers`: the caller's objects are never modified. */
  options: unknown;
}

/**
 * Reads and copies what the caller gave; `undefined` when a hostile argument throws (a revoked proxy as
 * options, a message id whose toString throws): the call then goes to amqplib untouched, which decides.
 */
function readPublish(exchange: unknown, routingKey: unknown, options: unknown): Publish | undefined {
  try {
    const destination = destinationOf(exchange, routingKey);
    const opts = options && typeof options === 'object' ? (options as Record<string, unknown>) : undefined;
    const attributes: Attributes = {
      [semconv.ATTR_MESSAGING_SYSTEM]: semconv.MESSAGING_SYSTEM_VALUE_RABBITMQ,
      [semconv.ATTR_MESSAGING_DESTINATION_NAME]: destination,
      [semconv.ATTR_MESSAGING_OPERATION_TYPE]: semconv.MESSAGING_OPERATION_TYPE_VALUE_SEND,
      [semconv.ATTR_MESSAGING_OPERATION_NAME]: 'publish',
      [semconv.ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY]: typeof routingKey === 'string' ? routingKey : '',
    };
    const messageId = opts?.messageId;
    const correlationId = opts?.correlationId;
    if (typeof messageId === 'string' || typeof messageId === 'number') attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] = capString(String(messageId), MAX_ID_BYTES);
    if (typeof correlationId === 'string' || typeof correlationId === 'number') {
      attributes[semconv.ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = capString(String(correlationId), MAX_ID_BYTES);
    }
    const given = opts?.headers;
    if (!canCarry(options) || !canCarry(given)) return { destination, attributes, headers: {}, options };
    const headers: Record<string, unknown> = { ...(given as Record<string, unknown> | undefined) };
    return { destination, attributes, headers, options: { ...opts, headers } };
  } catch (error) {
    reporter.errorOnce('amqplib:publish', 'could not read the arguments of an amqplib publish; that call is not traced', error);
    return undefined;
  }
}

function startPublish(state: ClientState, publish: Publish, exchange: unknown, routingKey: unknown, content: unknown, options: unknown): ReturnType<typeof startProducer> {
  const { destination } = publish;
  const message = state.producerHook && { exchange, routingKey, content, options };
  return startProducer(state, `publish ${destination}`, publish.attributes, destination, backlogSource(semconv.MESSAGING_SYSTEM_VALUE_RABBITMQ, destination), message, publish.headers);
}

// The hot path of a producer: amqplib's publish only encodes and buffers the frame, synchronously, so
// the span ends when it returns, with no context switch.
function wrapPublish(original: Fn, source: StateSource): Fn {
  return function publish(this: unknown, exchange: unknown, routingKey: unknown, content: unknown, options: unknown) {
    if (inConfirmPublish > 0) return original.apply(this, arguments as unknown as unknown[]);
    const read = readPublish(exchange, routingKey, options);
    if (read === undefined) return original.apply(this, arguments as unknown as unknown[]);
    const span = trace.getSpan(startPublish(source.state, read, exchange, routingKey, content, options))!;
    try {
      if (arguments.length <= 4) return original.call(this, exchange, routingKey, content, read.options);
      return original.call(this, exchange, routingKey, content, read.options, ...(Array.prototype.slice.call(arguments, 4) as unknown[]));
    } catch (error) {
      recordMessagingFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  };
}

function wrapConfirmPublish(original: Fn, source: StateSource): Fn {
  return function publish(this: unknown, exchange: unknown, routingKey: unknown, content: unknown, options: unknown, callback?: unknown, ...rest: unknown[]) {
    const read = readPublish(exchange, routingKey, options);
    if (read === undefined) return original.apply(this, arguments as unknown as unknown[]);
    const ctx = startPublish(source.state, read, exchange, routingKey, content, options);
    const span = trace.getSpan(ctx)!;
    const userCallback = typeof callback === 'function' ? (callback as Fn) : undefined;
    // The span ends when the broker confirms (ack) or refuses (nack) the message.
    const onConfirm = context.bind(ctx, function (this: unknown, err: unknown, ok: unknown) {
      if (err) recordMessagingFailure(span, err, 'message nacked by the broker');
      span.end();
      if (userCallback) return userCallback.call(this, err, ok);
    });
    inConfirmPublish++;
    try {
      return original.apply(this, [exchange, routingKey, content, read.options, onConfirm, ...rest]);
    } catch (error) {
      endFailed(span, error);
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
    [semconv.ATTR_MESSAGING_SYSTEM]: semconv.MESSAGING_SYSTEM_VALUE_RABBITMQ,
    [semconv.ATTR_MESSAGING_DESTINATION_NAME]: queue,
    [semconv.ATTR_MESSAGING_OPERATION_TYPE]: operationType,
    [semconv.ATTR_MESSAGING_OPERATION_NAME]: operationName,
    // What the publisher chose (routing key, ids) is read as outside input: control characters removed, capped.
    [semconv.ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY]: sanitizeInboundValue(fields.routingKey, MAX_ID_BYTES) ?? '',
    [semconv.ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG]: fields.deliveryTag,
    [semconv.ATTR_AGENTRACE_CONSUMER_IN_FLIGHT]: source.inFlight,
  };
  if (source.concurrency !== undefined) attributes[semconv.ATTR_AGENTRACE_CONSUMER_CONCURRENCY] = source.concurrency;
  if (fields.redelivered) attributes[semconv.ATTR_AGENTRACE_MESSAGING_REDELIVERED] = true;
  const messageId = props.messageId === undefined ? undefined : sanitizeInboundValue(String(props.messageId), MAX_ID_BYTES);
  const conversationId = props.correlationId === undefined ? undefined : sanitizeInboundValue(String(props.correlationId), MAX_ID_BYTES);
  if (messageId !== undefined) attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] = messageId;
  if (conversationId !== undefined) attributes[semconv.ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = conversationId;
  // The attempt comes from what the broker maintains, never from a header a publisher could set: a
  // first delivery (the broker's `redelivered` flag is off) is attempt 1; a redelivery from a quorum
  // queue this process declared carries the broker's x-delivery-count; a redelivery from any other
  // queue (a classic queue, where x-delivery-count is just a header anyone can publish) has no
  // attempt number, only `agentrace.messaging.redelivered`.
  if (!fields.redelivered) attributes[semconv.ATTR_AGENTRACE_MESSAGING_ATTEMPT] = 1;
  else if (quorumQueues.has(queue)) {
    const count = props.headers?.['x-delivery-count'];
    if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) attributes[semconv.ATTR_AGENTRACE_MESSAGING_ATTEMPT] = count + 1;
  }
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
  return { queue, source: backlogSource(semconv.MESSAGING_SYSTEM_VALUE_RABBITMQ, queue), spanName: `${operationName} ${queue}` };
}

/** The shared consumer's delivery for one message; unless auto-acked, it waits for its ack, nack or reject. */
function deliver(state: ClientState, channel: object, consumer: Consumer, msg: AmqpMessage, noAck: boolean, operationType: string, operationName: string): Delivery {
  const { queue, source } = consumer;
  source.inFlight++;
  const prefetch = prefetchByChannel.get(channel);
  if (prefetch !== undefined) source.concurrency = prefetch;
  const attributes = deliveryAttributes(queue, msg, operationType, operationName, source);
  const delivery = startDelivery(state, consumer.spanName, attributes, extractContext(msg.properties?.headers), state.consumerParent, queue, source, msg, noAck);
  if (noAck) delivery.span.setAttribute(semconv.ATTR_AGENTRACE_MESSAGING_SETTLEMENT, 'auto');
  else pendingOf(channel).set(msg.fields.deliveryTag, delivery);
  return delivery;
}

function settle(delivery: Delivery, how: string, requeue?: unknown): void {
  const failure =
    how === 'ack' ? undefined : how === 'channel_closed' ? 'channel closed before the message was settled' : `message ${how}ed${requeue === false ? ' without requeue' : ''}`;
  settleDelivery(delivery, how, failure);
}

// The hot path of a consumer (push style): one process span per delivery.
function wrapConsume(original: Fn, source: StateSource): Fn {
  return function consume(this: object, queue: unknown, callback: unknown, options: unknown, ...rest: unknown[]) {
    if (typeof callback !== 'function') return original.apply(this, [queue, callback, options, ...rest]);
    const channel = this;
    const noAck = !!(options && typeof options === 'object' && (options as { noAck?: unknown }).noAck);
    const consumer = consumerOf(typeof queue === 'string' && queue ? queue : 'amq.anonymous', 'process');
    const handler = callback as Fn;
    const onMessage = function (this: unknown, msg: AmqpMessage | null) {
      // null: the broker cancelled the consumer; not a message.
      if (!msg || typeof msg !== 'object' || !msg.fields) return handler.call(this, msg);
      const delivery = deliver(source.state, channel, consumer, msg, noAck, semconv.MESSAGING_OPERATION_TYPE_VALUE_PROCESS, 'process');
      return runHandler(delivery, () => handler.call(this, msg));
    };
    return original.apply(this, [queue, onMessage, options, ...rest]);
  };
}

// Pull style: `get` hands the message back to the caller, so the receive span cannot wrap the caller's
// work; it ends when the message is settled (or at once, with noAck).
function wrapGet(original: Fn, source: StateSource): Fn {
  return function get(this: object, queue: unknown, options: unknown, ...rest: unknown[]) {
    const result = original.apply(this, [queue, options, ...rest]);
    if (!isThenable(result)) return result;
    const channel = this;
    const noAck = !!(options && typeof options === 'object' && (options as { noAck?: unknown }).noAck);
    const queueName = typeof queue === 'string' ? queue : '';
    return result.then((msg) => {
      if (msg && typeof msg === 'object' && (msg as AmqpMessage).fields) {
        const m = msg as AmqpMessage;
        const backlog = backlogSource(semconv.MESSAGING_SYSTEM_VALUE_RABBITMQ, queueName);
        if (typeof m.fields.messageCount === 'number') backlog.latest = { ...backlog.latest, waiting: m.fields.messageCount };
        handlerDone(deliver(source.state, channel, consumerOf(queueName, 'receive'), m, noAck, semconv.MESSAGING_OPERATION_TYPE_VALUE_RECEIVE, 'receive'));
      }
      return msg;
    });
  };
}

function wrapQueueReply(original: Fn): Fn {
  return function queueReply(this: unknown, ...args: unknown[]) {
    try {
      rememberQueueType(args[0], args[1]);
    } catch {
      // a hostile options object: the queue's type stays unknown
    }
    const result = original.apply(this, args);
    if (!isThenable(result)) return result;
    return result.then((ok) => {
      const reply = ok as { queue?: unknown; messageCount?: unknown; consumerCount?: unknown } | undefined;
      if (reply && typeof reply.queue === 'string' && typeof reply.messageCount === 'number') {
        const backlog = backlogSource(semconv.MESSAGING_SYSTEM_VALUE_RABBITMQ, reply.queue);
        backlog.latest = { ...backlog.latest, waiting: reply.messageCount, consumers: Number(reply.consumerCount) || 0 };
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

/**
 * Where a channel event's listeners run: a `return` (a message the broker could not route, handed back)
 * in the context its headers carry, the run that published it; every other event (`close`, `error`,
 * `drain`, `cancel`, confirms, the deliveries the consume callbacks then take into their own CONSUMER
 * span) outside the run that opened the channel.
 */
function channelEventContext(_channel: unknown, event: unknown, message: unknown, active: Context): Context {
  const outside = outsideRuns(active);
  if (event !== 'return') return outside;
  const headers = (message as Partial<AmqpMessage> | null | undefined)?.properties?.headers;
  // A returned message is one this process published: its run is trusted as the app's own.
  return headers !== null && typeof headers === 'object' ? acceptInboundContext(propagation.extract(outside, headers, inboundHeaderGetter), 'carrier') : outside;
}

function wrapChannelEmit(original: Fn): Fn {
  const emitInContext = wrapEmit(original, 'amqplib', channelEventContext);
  return function emit(this: object, event: unknown) {
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
    return emitInContext.apply(this, arguments as unknown as unknown[]);
  };
}
