// Attribute names used by this package. The messaging names are still incubating in
// @opentelemetry/semantic-conventions, so they are copied here as OTel advises (the incubating
// entry point may change between minor versions). The `agentrace.*` names have no convention yet.

export const ATTR_MESSAGING_SYSTEM = 'messaging.system' as const;
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name' as const;
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type' as const;
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name' as const;
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id' as const;
export const ATTR_MESSAGING_MESSAGE_CONVERSATION_ID = 'messaging.message.conversation_id' as const;
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count' as const;
export const ATTR_MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY = 'messaging.rabbitmq.destination.routing_key' as const;
export const ATTR_MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG = 'messaging.rabbitmq.message.delivery_tag' as const;

export const MESSAGING_OPERATION_TYPE_VALUE_CREATE = 'create' as const;
export const MESSAGING_OPERATION_TYPE_VALUE_SEND = 'send' as const;
export const MESSAGING_OPERATION_TYPE_VALUE_PROCESS = 'process' as const;
export const MESSAGING_OPERATION_TYPE_VALUE_RECEIVE = 'receive' as const;

export const MESSAGING_SYSTEM_VALUE_RABBITMQ = 'rabbitmq' as const;
/** Not in the conventions' list; a custom value as the conventions allow. */
export const MESSAGING_SYSTEM_VALUE_BULLMQ = 'bullmq' as const;
/** Redis pub/sub (ioredis). Not in the conventions' list; a custom value as the conventions allow. */
export const MESSAGING_SYSTEM_VALUE_REDIS = 'redis' as const;
/** Default system for in-process queues (p-queue, fastq, emitters). */
export const MESSAGING_SYSTEM_VALUE_IN_PROCESS = 'in_process' as const;

// agentrace extensions (no convention exists for these yet).
/** Milliseconds the message waited between enqueue (or its due time, for delayed jobs) and the start of processing. */
export const ATTR_AGENTRACE_MESSAGING_WAIT_MS = 'agentrace.messaging.wait_ms' as const;
/** 1-based delivery attempt of this process span (BullMQ: attempts started; RabbitMQ: from x-delivery-count when the broker sends it). */
export { ATTR_MESSAGING_ATTEMPT as ATTR_AGENTRACE_MESSAGING_ATTEMPT } from '@agentrace/core';
/** True when the broker says this delivery is a redelivery (RabbitMQ `redelivered`, BullMQ stalled-job recovery). */
export { ATTR_MESSAGING_REDELIVERED as ATTR_AGENTRACE_MESSAGING_REDELIVERED } from '@agentrace/core';
/** How the consumer settled the message: ack, nack, reject, auto (noAck) or channel_closed. */
export const ATTR_AGENTRACE_MESSAGING_SETTLEMENT = 'agentrace.messaging.settlement' as const;
/** Why the message failed (BullMQ's failedReason, the handler's error message). */
export const ATTR_AGENTRACE_MESSAGING_FAILURE_REASON = 'agentrace.messaging.failure_reason' as const;
/** True when a repeatable job's repetition starts its own trace, linked to the scheduling producer. */
export const ATTR_AGENTRACE_MESSAGING_REPEAT = 'agentrace.messaging.repeat' as const;
/** Messages waiting in the queue (BullMQ waiting + prioritized, RabbitMQ message count). */
export const ATTR_AGENTRACE_QUEUE_WAITING = 'agentrace.queue.waiting' as const;
/** Messages being processed (BullMQ active). */
export const ATTR_AGENTRACE_QUEUE_ACTIVE = 'agentrace.queue.active' as const;
/** Delayed messages (BullMQ delayed). */
export const ATTR_AGENTRACE_QUEUE_DELAYED = 'agentrace.queue.delayed' as const;
/** Failed messages kept by the queue (BullMQ failed). */
export const ATTR_AGENTRACE_QUEUE_FAILED = 'agentrace.queue.failed' as const;
/** Consumers attached to the queue (RabbitMQ consumer count). */
export const ATTR_AGENTRACE_QUEUE_CONSUMERS = 'agentrace.queue.consumers' as const;
/** Messages this process's consumer is handling right now, this one included. */
export const ATTR_AGENTRACE_CONSUMER_IN_FLIGHT = 'agentrace.consumer.in_flight' as const;
/** The consumer's configured concurrency (BullMQ worker concurrency, RabbitMQ prefetch when known). */
export const ATTR_AGENTRACE_CONSUMER_CONCURRENCY = 'agentrace.consumer.concurrency' as const;
/** BullMQ job name (the first argument of `Queue.add`). */
export const ATTR_BULLMQ_JOB_NAME = 'bullmq.job.name' as const;
