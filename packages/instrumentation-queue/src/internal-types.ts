// Structural shapes of the parts of BullMQ and amqplib this package touches. The libraries are
// optional peers, so nothing here imports them; the shapes hold for BullMQ 5 and amqplib 0.10 to 2.x.
import type { TracerProvider } from '@opentelemetry/api';
import type { AmqplibInstrumentationOptions, BullMQInstrumentationOptions, ConsumerParentMode } from './types.js';

export interface BullTelemetryOpts {
  metadata?: string;
  omitContext?: boolean;
}

export interface BullJobOpts {
  telemetry?: BullTelemetryOpts;
  repeat?: unknown;
  delay?: number;
  [key: string]: unknown;
}

export interface BullJob {
  id?: string;
  name: string;
  opts: BullJobOpts;
  timestamp?: number;
  delay?: number;
  attemptsStarted?: number;
  attemptsMade?: number;
  stalledCounter?: number;
  failedReason?: string;
  repeatJobKey?: string;
}

export interface BullQueueBase {
  name: string;
  opts?: { telemetry?: unknown; concurrency?: number };
  keys?: Record<string, string>;
  client?: Promise<BullRedisClient>;
  getJobCounts?(...types: string[]): Promise<Record<string, number>>;
}

export interface BullRedisClient {
  llen(key: string): Promise<number>;
  zcard(key: string): Promise<number>;
}

export interface BullFlowJob {
  name: string;
  queueName: string;
  data?: unknown;
  opts?: BullJobOpts;
  children?: BullFlowJob[];
  [key: string]: unknown;
}

export interface BullMQModuleLike {
  Queue?: { prototype: object };
  Worker?: { prototype: object };
  FlowProducer?: { prototype: object };
}

export interface AmqpMessage {
  content: { length: number };
  fields: { deliveryTag: number; redelivered?: boolean; exchange?: string; routingKey?: string; consumerTag?: string; messageCount?: number };
  properties: { headers?: Record<string, unknown>; messageId?: unknown; correlationId?: unknown };
}

export interface AmqpChannelModule {
  Channel?: { prototype: object };
  ConfirmChannel?: { prototype: object };
}

/** Resolved options a patch reads on every call (replaced when patched again). */
export interface BullMQState extends Required<Pick<BullMQInstrumentationOptions, 'newTracePerRepetition'>> {
  tracerProvider?: TracerProvider;
  consumerParent: ConsumerParentMode;
  producerHook?: BullMQInstrumentationOptions['producerHook'];
  consumerHook?: BullMQInstrumentationOptions['consumerHook'];
}

export interface AmqplibState {
  tracerProvider?: TracerProvider;
  consumerParent: ConsumerParentMode;
  producerHook?: AmqplibInstrumentationOptions['producerHook'];
  consumerHook?: AmqplibInstrumentationOptions['consumerHook'];
}
