export { BullMQInstrumentation, AmqplibInstrumentation, InProcessQueueInstrumentation, IORedisInstrumentation } from './registry.js';
export { instrumentQueues } from './instrumentation.js';
export { instrumentBullMQ, type BullMQInstrumentationConfig } from './bullmq.js';
export { instrumentAmqplib, type AmqplibInstrumentationConfig } from './amqplib.js';
export { bindToEnqueuer, type InProcessQueueInstrumentationConfig } from './in-process.js';
export type { IORedisInstrumentationConfig } from './ioredis.js';
export { sampleBacklog, type BacklogCounts, type BacklogSource } from './backlog.js';
export type {
  BacklogSamplingConfig,
  BindToEnqueuerConfig,
  ConsumerHook,
  ConsumerHookInfo,
  ConsumerParentMode,
  MessagingInstrumentationConfig,
  ProducerHook,
  ProducerHookInfo,
  QueueInstrumentationConfig,
  QueueInstrumentationHandle,
} from './types.js';
