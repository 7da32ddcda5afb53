// The message worker: each message is one run of the agent, so one trace. The queue (p-queue) runs
// several at once; bindToEnqueuer gives each task a `process messages` span, so runs never share a
// trace however the queue interleaves them. Every log line goes through pino with the decorators'
// mixin, which adds the trace id, span id and correlation id of the context it is logged in.
import { agent, pinoLogCorrelation, run, step } from '@agentrace/decorators';
import { bindToEnqueuer } from '@agentrace/instrumentation-queue';
import { trace } from '@opentelemetry/api';
import PQueue from 'p-queue';
import { pino, type DestinationStream, type Logger } from 'pino';

export interface Message {
  /** The message id; it becomes the run's correlation id. */
  id: string;
  documentId: string;
}

export interface Order {
  id: string;
  customer: string;
  items: { sku: string; qty: number; price: number }[];
}

export interface MessageOutcome {
  id: string;
  traceId: string | undefined;
  ok: boolean;
  /** The order total, when processed. */
  total?: number;
  error?: unknown;
}

/** A pino logger whose every record carries `trace_id`, `span_id` and `correlation_id` when logged inside a run. */
export function createLogger(destination?: DestinationStream): Logger {
  const options = { base: { service: 'message-worker' }, mixin: pinoLogCorrelation() };
  return destination ? pino(options, destination) : pino(options);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@agent('message-worker')
export class MessageWorker {
  constructor(
    private readonly documentsUrl: string,
    private readonly log: Logger,
  ) {}

  @run({ correlationId: (message: Message) => message.id })
  async handle(message: Message): Promise<number> {
    this.log.info({ messageId: message.id }, 'message received');
    try {
      const text = await this.fetchDocument(message.documentId);
      const total = await this.processDocument(text);
      this.log.info({ messageId: message.id, total }, 'message done');
      return total;
    } catch (error) {
      // Logged inside the run, so this line carries the failing run's trace and correlation ids.
      this.log.error({ messageId: message.id, err: error }, 'message failed');
      throw error;
    }
  }

  @step('fetch')
  async fetchDocument(documentId: string): Promise<string> {
    const res = await fetch(`${this.documentsUrl}/documents/${encodeURIComponent(documentId)}`);
    if (!res.ok) throw new Error(`document store answered ${res.status} for ${documentId}`);
    const text = await res.text();
    this.log.info({ documentId, bytes: text.length }, 'document fetched');
    return text;
  }

  @step('process')
  async processDocument(text: string): Promise<number> {
    const order = JSON.parse(text) as Order; // the poison message throws here: a SyntaxError on this span
    await sleep(2 + Math.random() * 10); // stands in for pricing rules, a model call, ...
    const total = order.items.reduce((sum, item) => sum + item.qty * item.price, 0);
    this.log.info({ orderId: order.id, total }, 'order processed');
    return total;
  }
}

/**
 * Puts every message on an in-process queue that runs `concurrency` at a time and waits for all.
 * A failed message does not stop the others; its outcome holds the error (the same object).
 */
export async function processMessages(worker: MessageWorker, messages: readonly Message[], concurrency = 4): Promise<MessageOutcome[]> {
  const queue = new PQueue({ concurrency });
  return Promise.all(
    messages.map((message) => {
      let traceId: string | undefined;
      // Bound here, where the message is enqueued: the task runs in this context, under its own
      // CONSUMER span, whatever task the queue happened to be running before.
      const task = bindToEnqueuer(
        () => {
          traceId = trace.getActiveSpan()?.spanContext().traceId;
          return worker.handle(message);
        },
        { destination: 'messages' },
      );
      return queue.add(task).then(
        (total): MessageOutcome => ({ id: message.id, traceId, ok: true, total: total as number }),
        (error: unknown): MessageOutcome => ({ id: message.id, traceId, ok: false, error }),
      );
    }),
  );
}
