// The transports of the mixed soak, instrumented as an app with its own tracer provider does it:
// a local node:http server and three clients, two more (fetch and undici) through dispatchers of 2
// connections, two in-process queues, a BullMQ queue + Worker, a RabbitMQ queue + consumer, and a
// setInterval poller (mixed-lazy-loop.ts). Consumers are started in a "boot" context before any run, as a real worker is,
// so a consumer that took the context active in its loop would put spans under the boot span instead
// of the message's run. The poller is not: the first run that sends it a message starts it, in that
// run's context, as an agent creating its loop lazily does.
import { isInEndedRun } from '@agentrace/core';
import { correlationId, traced } from '@agentrace/decorators';
import { instrumentHttp } from '@agentrace/instrumentation-http';
import { bindToEnqueuer, instrumentQueues } from '@agentrace/instrumentation-queue';
import { context, ROOT_CONTEXT, trace, type TracerProvider } from '@opentelemetry/api';
import type { Queue, Worker } from 'bullmq';
import type { Channel, ConfirmChannel, ChannelModel } from 'amqplib';
import fastq from 'fastq';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import PQueue from 'p-queue';
import { Agent, Pool, request as undiciRequest } from 'undici';
import { lazyPoller } from './mixed-lazy-loop.js';
import { ATTR_SOAK_RUN_ID, ATTR_SOAK_SENT_BY, httpPath, LOOP_RUN_NAME, loopRunId, type BrokerNames, type RunPlan, type Transport } from './mixed-plan.js';

export interface MixedTransportsOptions {
  /** The app's own provider, passed to every instrumentation. */
  tracerProvider: TracerProvider;
  /** Sockets of the undici Pool and of the node:http Agent (requests beyond queue in the client). Default 32. */
  httpConnections?: number;
  /** Sockets of the `limited-http` transport's undici Agent (fetch) and Pool (undici.request). Default 2. */
  limitedConnections?: number;
  /** Most messages the lazy loop handles per tick (every 2 ms). Default 32. */
  loopBatch?: number;
  /** Concurrency of the p-queue and the fastq queue. Default 16. */
  inProcessConcurrency?: number;
  /** BullMQ Worker concurrency. Default 64. */
  workerConcurrency?: number;
  /** RabbitMQ consumer prefetch. Default 64. */
  prefetch?: number;
  /** How long a run waits for its message to be consumed before counting it lost. Default 120 000 ms. */
  consumeTimeoutMs?: number;
  redisUrl?: string;
  amqpUrl?: string;
}

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Resolves a run's wait when its message has been handled; counts what never arrived or arrived twice. */
class Deliveries {
  private readonly waiting = new Map<string, () => void>();
  readonly lost: string[] = [];
  readonly unexpected: string[] = [];

  constructor(private readonly timeoutMs: number) {}

  /** Registered before the message is sent, so a fast consumer cannot beat it. */
  expect(key: string): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        this.lost.push(key);
        resolve();
      }, this.timeoutMs);
      this.waiting.set(key, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The message was never sent: stop waiting for it. */
  cancel(key: string): void {
    this.waiting.get(key)?.();
    this.waiting.delete(key);
  }

  delivered(key: string): void {
    const resolve = this.waiting.get(key);
    if (!resolve) {
      this.unexpected.push(key);
      return;
    }
    this.waiting.delete(key);
    resolve();
  }
}

/** A message to the lazy loop: the run that sent it and the correlation id of the run that handles it. */
interface LoopMessage {
  from: string;
  correlationId: string;
}

/** What the lazy loop saw, read in its own context (the one it was started in) as each message came. */
export interface LazyLoopStats {
  /** Correlation ids of the run(s) whose context the loop kept: exactly one, the run that started it. */
  readonly startedIn: Set<string | undefined>;
  /** Messages handled while the run that started the loop was still going (the explicit, different correlation id made the new trace). */
  whileStarterLive: number;
  /** Messages handled after that run had ended (the ended-run rule made the new trace). */
  afterStarterEnded: number;
}

export interface MixedTransports {
  readonly names: BrokerNames;
  readonly loop: LazyLoopStats;
  /** Places where the active correlation id was not the run named by the payload: `where runId saw other`. */
  readonly mismatches: string[];
  /** Errors the brokers' clients or the loop's runs emitted (none expected). */
  readonly errors: string[];
  /** Messages that never reached their consumer (`transport:runId`). */
  readonly lost: string[];
  /** Messages handled twice or for no waiting run. */
  readonly unexpected: string[];
  /** Records a mismatch if the active context is not in run `runId`. */
  check(runId: string, where: string): void;
  http(plan: RunPlan): Promise<void>;
  limitedHttp(plan: RunPlan): Promise<void>;
  inProcess(plan: RunPlan): Promise<void>;
  bullmq(plan: RunPlan): Promise<void>;
  rabbitmq(plan: RunPlan): Promise<void>;
  /** Sends the run's message to the lazy loop (starting it, the first time) and waits until the loop's run for it has handled it. */
  lazyLoop(plan: RunPlan): Promise<void>;
  /** Closes every worker, connection and server it opened, deletes its own queues, and removes the instrumentations. */
  close(): Promise<void>;
}

/**
 * Instruments HTTP and the queue clients, then loads BullMQ and amqplib (after the hooks, as an app
 * calling `instrumentQueues` first does) and starts every consumer.
 */
export async function startMixedTransports(options: MixedTransportsOptions): Promise<MixedTransports> {
  const {
    tracerProvider,
    httpConnections = 32,
    limitedConnections = 2,
    loopBatch = 32,
    inProcessConcurrency = 16,
    workerConcurrency = 64,
    prefetch = 64,
    consumeTimeoutMs = 120_000,
    redisUrl = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379',
    amqpUrl = process.env.AMQP_URL?.trim() || 'amqp://guest:guest@127.0.0.1:5672',
  } = options;
  // The server is this process's own: its loopback callers (the runs) are trusted with the run's identity.
  const httpHandle = instrumentHttp({ tracerProvider, trustedCallers: ['internal'] });
  const queueHandle = instrumentQueues({ tracerProvider });
  // Loaded after instrumentQueues(): its require hooks patch the classes as they load (BullMQ and
  // amqplib load their CommonJS files even when imported from ESM).
  const bullmq = await import('bullmq');
  const amqplib = await import('amqplib');

  const mismatches: string[] = [];
  const errors: string[] = [];
  const deliveries = new Deliveries(consumeTimeoutMs);
  const check = (runId: string, where: string): void => {
    const seen = correlationId();
    if (seen !== runId) mismatches.push(`${where} ${runId} saw ${String(seen)}`);
  };
  const names: BrokerNames = { bullmq: uniqueName('soak-bullmq'), rabbitmq: uniqueName('soak-amqp') };
  const prefix = uniqueName('agentrace-soak');

  // Work done on the far side of each hop, as decorated steps recording the run id of their payload.
  const withRunId = { attributes: (runId: string) => ({ [ATTR_SOAK_RUN_ID]: runId }) };
  const answer = traced(
    'answer',
    async (runId: string) => {
      await immediate();
      check(runId, 'http server');
      return JSON.stringify({ runId });
    },
    withRunId,
  );
  const crunch = traced(
    'crunch',
    async (runId: string) => {
      await sleep(1);
      await immediate();
      check(runId, 'in-process task');
    },
    withRunId,
  );
  /** The step a broker's consumer runs for a run's message: checks it is in that run, then counts the delivery. */
  const deliveryStep = (name: string, where: string, transport: string) =>
    traced(
      name,
      async (runId: string) => {
        await immediate();
        check(runId, where);
        deliveries.delivered(`${transport}:${runId}`);
      },
      withRunId,
    );
  const jobStep = deliveryStep('job_step', 'bullmq processor', 'bullmq');
  const loopStep = traced(
    'loop_step',
    async (message: LoopMessage) => {
      await sleep(1);
      check(message.correlationId, 'lazy-loop step');
      deliveries.delivered(`lazy-loop:${message.from}`);
    },
    { attributes: (message: LoopMessage) => ({ [ATTR_SOAK_RUN_ID]: message.correlationId }) },
  );
  // Neither detached nor newTrace: the run it is called in (the loop's) is the one that started the
  // loop, alive for the first messages and ended for the later ones. A new trace either way, by the
  // message's own correlation id or by the ended-run rule.
  const handleLoopMessage = traced(LOOP_RUN_NAME, (message: LoopMessage) => loopStep(message), {
    type: 'run',
    correlationId: (message: LoopMessage) => message.correlationId,
    attributes: (message: LoopMessage) => ({ [ATTR_SOAK_RUN_ID]: message.correlationId, [ATTR_SOAK_SENT_BY]: message.from }),
  });
  const loop: LazyLoopStats = { startedIn: new Set(), whileStarterLive: 0, afterStarterEnded: 0 };
  const poller = lazyPoller<LoopMessage>((message) => {
    loop.startedIn.add(correlationId());
    if (isInEndedRun(context.active())) loop.afterStarterEnded++;
    else loop.whileStarterLive++;
    handleLoopMessage(message).catch((error: unknown) => errors.push(`lazy-loop run ${message.correlationId}: ${String(error)}`));
  }, { batch: loopBatch });

  const messageStep = deliveryStep('message_step', 'rabbitmq handler', 'rabbitmq');

  const redis = new URL(redisUrl);
  const connection = { host: redis.hostname, port: Number(redis.port || 6379), maxRetriesPerRequest: null };
  const closers: (() => Promise<unknown> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch {
        // Closing is best effort; the next resource still gets closed.
      }
    }
    httpHandle.disable();
    queueHandle.disable();
  };

  const boot = trace.getTracer('soak').startSpan('worker boot', { root: true });
  try {
    return await context.with(trace.setSpan(ROOT_CONTEXT, boot), async () => {
      const server = http.createServer((req, res) => {
        const runId = new URL(req.url ?? '/', 'http://soak').searchParams.get('run') ?? '';
        req.resume();
        answer(runId).then(
          (body) => res.setHeader('content-type', 'application/json').end(body),
          (error: unknown) => res.writeHead(500).end(String(error)),
        );
      });
      server.keepAliveTimeout = 30_000;
      // fetch's default dispatcher has no connection limit: thousands of runs connect at once, more than
      // the default backlog of 511 holds.
      await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 8192 }, resolve));
      closers.push(() => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }));
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const pool = new Pool(origin, { connections: httpConnections });
      const agent = new http.Agent({ keepAlive: true, maxSockets: httpConnections });
      // Thousands of requests through 2 sockets each: they queue in the dispatcher and go out later,
      // when another request frees a socket.
      const limitedAgent = new Agent({ connections: limitedConnections });
      const limitedPool = new Pool(origin, { connections: limitedConnections });
      closers.push(() => pool.close(), () => agent.destroy(), () => limitedAgent.close(), () => limitedPool.close());
      closers.push(() => poller.stop());

      const pqueue = new PQueue({ concurrency: inProcessConcurrency });
      const fq = fastq.promise((task: () => Promise<void>) => task(), inProcessConcurrency);

      const queue: Queue = new bullmq.Queue(names.bullmq, { connection, prefix });
      closers.push(async () => {
        // Only this soak's own queue, under its own prefix.
        await queue.obliterate({ force: true });
        await queue.close();
      });
      const worker: Worker = new bullmq.Worker(names.bullmq, async (job) => jobStep((job.data as { runId: string }).runId), {
        connection,
        prefix,
        concurrency: workerConcurrency,
      });
      worker.on('error', (error) => errors.push(`bullmq worker: ${String(error)}`));
      closers.push(() => worker.close());
      await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);

      const producer: ChannelModel = await amqplib.connect(amqpUrl);
      closers.push(() => producer.close());
      const consumer: ChannelModel = await amqplib.connect(amqpUrl);
      closers.push(() => consumer.close());
      const publish: ConfirmChannel = await producer.createConfirmChannel();
      const sub: Channel = await consumer.createChannel();
      for (const [what, emitter] of [['producer connection', producer], ['consumer connection', consumer], ['publish channel', publish], ['consume channel', sub]] as const) {
        emitter.on('error', (error: unknown) => errors.push(`rabbitmq ${what}: ${String(error)}`));
      }
      await sub.assertQueue(names.rabbitmq, { durable: false, autoDelete: true });
      await sub.prefetch(prefetch);
      await sub.consume(names.rabbitmq, async (msg) => {
        if (!msg) return;
        await messageStep((JSON.parse(msg.content.toString()) as { runId: string }).runId);
        sub.ack(msg);
      });
      // Deleted by us, not left to autoDelete, in case the consumer never registered.
      closers.push(() => sub.deleteQueue(names.rabbitmq));

      const get = (url: string): Promise<string> =>
        new Promise((resolve, reject) => {
          http
            .get(url, { agent }, (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (body += chunk));
              res.on('end', () => resolve(body));
              res.on('error', reject);
            })
            .on('error', reject);
        });
      const callers: Record<RunPlan['httpClient'], (url: string, path: string) => Promise<string>> = {
        fetch: async (url) => (await fetch(url)).text(),
        undici: async (_url, path) => (await pool.request({ path, method: 'GET' })).body.text(),
        'node:http': (url) => get(url),
      };
      const limitedCallers: Record<RunPlan['limitedHttpClient'], (url: string) => Promise<string>> = {
        fetch: async (url) => (await fetch(url, { dispatcher: limitedAgent } as RequestInit)).text(),
        undici: async (url) => (await undiciRequest(url, { dispatcher: limitedPool })).body.text(),
      };
      const expectAnswer = (plan: RunPlan, body: string): void => {
        const answered = (JSON.parse(body) as { runId?: string }).runId;
        if (answered !== plan.runId) mismatches.push(`http answer ${plan.runId} got ${String(answered)}`);
      };
      const viaBroker = async (transport: Transport, runId: string, send: () => Promise<unknown>): Promise<void> => {
        const key = `${transport}:${runId}`;
        const handled = deliveries.expect(key);
        try {
          await send();
        } catch (error) {
          deliveries.cancel(key);
          throw error;
        }
        await handled;
      };

      return {
        names,
        loop,
        mismatches,
        errors,
        lost: deliveries.lost,
        unexpected: deliveries.unexpected,
        check,
        async http(plan) {
          const path = httpPath('http', plan);
          expectAnswer(plan, await callers[plan.httpClient](`${origin}${path}`, path));
        },
        async limitedHttp(plan) {
          expectAnswer(plan, await limitedCallers[plan.limitedHttpClient](`${origin}${httpPath('limited-http', plan)}`));
        },
        async inProcess(plan) {
          const task = bindToEnqueuer(() => crunch(plan.runId), { destination: plan.inProcessQueue, tracerProvider });
          await (plan.inProcessQueue === 'p-queue' ? pqueue.add(task) : fq.push(task));
        },
        bullmq(plan) {
          return viaBroker('bullmq', plan.runId, () => queue.add('soak', { runId: plan.runId }, { removeOnComplete: true, removeOnFail: true }));
        },
        rabbitmq(plan) {
          const content = Buffer.from(JSON.stringify({ runId: plan.runId }));
          return viaBroker('rabbitmq', plan.runId, () =>
            new Promise<void>((resolve, reject) => publish.sendToQueue(names.rabbitmq, content, {}, (error) => (error ? reject(error) : resolve()))),
          );
        },
        lazyLoop(plan) {
          return viaBroker('lazy-loop', plan.runId, async () => poller.send({ from: plan.runId, correlationId: loopRunId(plan) }));
        },
        close: closeAll,
      } satisfies MixedTransports;
    });
  } catch (error) {
    await closeAll();
    throw error;
  } finally {
    boot.end();
  }
}
