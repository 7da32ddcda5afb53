export { instrumentQueues } from './instrumentation.js';
export { instrumentBullMQ } from './bullmq.js';
export { instrumentAmqplib } from './amqplib.js';
export { bindToEnqueuer } from './in-process.js';
export { sampleBacklog, type BacklogCounts, type BacklogSource } from './backlog.js';
export type {
  AmqplibInstrumentationOptions,
  BacklogSamplingOptions,
  BindToEnqueuerOptions,
  BullMQInstrumentationOptions,
  ConsumerHook,
  ConsumerHookInfo,
  ConsumerParentMode,
  ProducerHook,
  ProducerHookInfo,
  QueueClientOptions,
  QueueInstrumentationHandle,
  QueueInstrumentationOptions,
} from './types.js';
