// Messages per second through BullMQ (Redis) and RabbitMQ (amqplib), end to end (produce, consume,
// settle), without instrumentation and with @agentrace/instrumentation-queue, in one process with a
// recording provider and a no-op exporter. For RabbitMQ the official @opentelemetry/instrumentation-amqplib
// is measured too. Rounds alternate between the variants so machine noise hits all of them alike.
// Run from the repository root (needs the Redis and RabbitMQ of scripts/services.mjs):
//   pnpm exec tsx --tsconfig tsconfig.test.json bench/queue.ts
// Results: bench/results/queue.md (written by this script).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installGlobals } from '@agentrace/tracer';
import { instrumentAmqplib, instrumentBullMQ } from '@agentrace/instrumentation-queue';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import amqp from 'amqplib';
import * as bullmq from 'bullmq';

const BULL_MESSAGES = Number(process.env.BENCH_BULL_MESSAGES ?? 2000);
const AMQP_MESSAGES = Number(process.env.BENCH_AMQP_MESSAGES ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const connection = { host: redisUrl.hostname, port: Number(redisUrl.port || 6379), maxRetriesPerRequest: null };
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

class NoopExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exported += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}
const exporter = new NoopExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 65_536, maxExportBatchSize: 4096 })] });
installGlobals(provider);
const tracer = trace.getTracer('bench');

/** Producers run inside a run (root span + correlation id baggage), as an agent's enqueues do. */
function inRun<T>(i: number, fn: () => Promise<T>): Promise<T> {
  const ctx = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ 'agentrace.correlation_id': { value: `run-${i}` } }));
  return tracer.startActiveSpan('run', {}, ctx, async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
}

let round = 0;
const prefix = `agentrace-bench-${process.pid}`;

interface Sample {
  rate: number;
  /** CPU time of this process (user + system) per message, in microseconds: steadier than wall time on a shared machine. */
  cpuUs: number;
}

/** Handler work per message: 0 for raw throughput, or a stand-in for a model/API call (awaited timer). */
function work(ms: number): Promise<void> | undefined {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined;
}

async function bullRound(workMs: number, concurrency: number): Promise<Sample> {
  const name = `bench-${round++}`;
  const queue = new bullmq.Queue(name, { connection, prefix });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const worker = new bullmq.Worker(
    name,
    async () => {
      await work(workMs);
      if (++done === BULL_MESSAGES) finish();
    },
    { connection, prefix, concurrency, autorun: false },
  );
  await worker.waitUntilReady();
  void worker.run();
  const start = performance.now();
  const cpu = process.cpuUsage();
  // 100 concurrent producers, each adding its share one job at a time.
  await Promise.all(
    Array.from({ length: 100 }, async (_, p) => {
      for (let i = p; i < BULL_MESSAGES; i += 100) await inRun(i, () => queue.add('step', { i }));
    }),
  );
  await finished;
  const rate = BULL_MESSAGES / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / BULL_MESSAGES;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { rate, cpuUs };
}

async function amqpRound(conn: amqp.ChannelModel, workMs: number, prefetch: number): Promise<Sample> {
  const queueName = `agentrace-bench-${process.pid}-${round++}`;
  const pub = await conn.createChannel();
  const sub = await conn.createChannel();
  await sub.assertQueue(queueName, { autoDelete: true });
  await sub.prefetch(prefetch);
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await sub.consume(queueName, async (msg) => {
    if (!msg) return; // cancelled when the queue is deleted
    await work(workMs);
    sub.ack(msg);
    if (++done === AMQP_MESSAGES) finish();
  });
  const start = performance.now();
  const cpu = process.cpuUsage();
  const body = Buffer.from('{"step":"summarize"}');
  for (let i = 0; i < AMQP_MESSAGES; i++) {
    const ok = await inRun(i, async () => pub.sendToQueue(queueName, body));
    if (!ok) await new Promise((resolve) => pub.once('drain', resolve));
  }
  await finished;
  const rate = AMQP_MESSAGES / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / AMQP_MESSAGES;
  await sub.deleteQueue(queueName);
  await pub.close();
  await sub.close();
  return { rate, cpuUs };
}

/** The official OTel amqplib instrumentation, patched onto the same classes and removed after its round. */
function officialAmqplib(): { enable(target?: unknown): void; disable(target?: unknown): void } {
  const require = createRequire(import.meta.url);
  const amqpDir = dirname(require.resolve('amqplib'));
  const channelModel = require(join(amqpDir, 'lib/channel_model.js'));
  const fromPackage = createRequire(fileURLToPath(new URL('../packages/instrumentation-queue/package.json', import.meta.url)));
  const { AmqplibInstrumentation } = fromPackage('@opentelemetry/instrumentation-amqplib') as {
    AmqplibInstrumentation: new (config: object) => {
      setTracerProvider(p: unknown): void;
      patchChannelModel(exports: unknown, version: string): void;
      unpatchChannelModel(exports: unknown): void;
    };
  };
  const instrumentation = new AmqplibInstrumentation({ enabled: false });
  instrumentation.setTracerProvider(provider);
  return {
    enable: (target: unknown = channelModel) => instrumentation.patchChannelModel(target, '2.3.1'),
    disable: (target: unknown = channelModel) => instrumentation.unpatchChannelModel(target),
  };
}

/**
 * CPU per message of the instrumentation alone, no broker: a stand-in channel whose publish only keeps
 * the options and whose consumer is fed the same message back. Publish + deliver + ack of one message.
 */
function hotPathCost(variant: 'none' | 'agentrace' | 'otel-amqplib', official: ReturnType<typeof officialAmqplib>): number {
  class Channel {
    connection = {};
    cb: ((msg: unknown) => unknown) | undefined;
    last: { headers?: Record<string, unknown> } | undefined;
    publish(_e: string, _r: string, _c: Buffer, o: { headers?: Record<string, unknown> }): boolean {
      this.last = o;
      return true;
    }
    consume(_q: string, cb: (msg: unknown) => unknown): void {
      this.cb = cb;
    }
    ack(_msg: unknown): void {}
    nack(): void {}
    reject(): void {}
    ackAll(): void {}
    nackAll(): void {}
    emit(): boolean {
      return true;
    }
  }
  class ConfirmChannel extends Channel {
    waitForConfirms(): void {}
  }
  const undo =
    variant === 'agentrace'
      ? instrumentAmqplib({ Channel, ConfirmChannel }).disable
      : variant === 'otel-amqplib'
        ? (official.enable({ Channel, ConfirmChannel }), () => official.disable({ Channel, ConfirmChannel }))
        : () => {};
  const ch = new Channel();
  ch.consume('q', (msg) => ch.ack(msg));
  const body = Buffer.from('{"step":"summarize"}');
  const ctx = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ 'agentrace.correlation_id': { value: 'run-1' } }));
  const run = tracer.startSpan('run', {}, ctx);
  const runCtx = trace.setSpan(ctx, run);
  const n = 50_000;
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      context.with(runCtx, () => ch.publish('', 'q', body, {}));
      ch.cb!({ content: body, fields: { deliveryTag: i + 1, routingKey: 'q', exchange: '', redelivered: false }, properties: { headers: ch.last?.headers ?? {} } });
    }
    const used = process.cpuUsage(cpu);
    best = Math.min(best, (used.user + used.system) / n);
  }
  run.end();
  undo();
  return best;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Scenario {
  title: string;
  workMs: number;
  concurrency: number;
}
const SCENARIOS: Scenario[] = [
  { title: 'raw: empty handler', workMs: 0, concurrency: 50 },
  { title: 'agent-like: each handler awaits 5 ms (a model/API call stand-in)', workMs: 5, concurrency: 25 },
];

async function main(): Promise<void> {
  const conn = await amqp.connect(amqpUrl);
  const official = officialAmqplib();
  const lines: string[] = [];
  const table = (title: string, results: Record<string, Sample[]>, messages: number): void => {
    const base = median(results.none!.map((s) => s.rate));
    const baseCpu = median(results.none!.map((s) => s.cpuUs));
    lines.push(`### ${title} (${messages} messages per round, median of ${ROUNDS} rounds)`, '');
    lines.push(
      '| variant | messages/s (median) | vs uninstrumented | CPU µs/message in this process (median) | vs uninstrumented | messages/s per round |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
    );
    for (const [name, samples] of Object.entries(results)) {
      const m = median(samples.map((s) => s.rate));
      const c = median(samples.map((s) => s.cpuUs));
      lines.push(
        `| ${name} | ${m.toFixed(0)} | ${((m / base) * 100).toFixed(1)}% | ${c.toFixed(1)} | +${(c - baseCpu).toFixed(1)} µs | ${samples.map((s) => s.rate.toFixed(0)).join(', ')} |`,
      );
    }
    lines.push('');
  };
  const hot = { none: hotPathCost('none', official), agentrace: hotPathCost('agentrace', official), 'otel-amqplib': hotPathCost('otel-amqplib', official) };
  // Warm-up (JIT, connections), not counted.
  await bullRound(0, 50);
  await amqpRound(conn, 0, 50);
  for (const scenario of SCENARIOS) {
    const bull: Record<string, Sample[]> = { none: [], agentrace: [] };
    const rabbit: Record<string, Sample[]> = { none: [], agentrace: [], 'otel-amqplib': [] };
    for (let r = 0; r < ROUNDS; r++) {
      bull.none!.push(await bullRound(scenario.workMs, scenario.concurrency));
      const b = instrumentBullMQ(bullmq);
      bull.agentrace!.push(await bullRound(scenario.workMs, scenario.concurrency));
      b.disable();

      rabbit.none!.push(await amqpRound(conn, scenario.workMs, scenario.concurrency));
      const a = instrumentAmqplib(conn);
      rabbit.agentrace!.push(await amqpRound(conn, scenario.workMs, scenario.concurrency));
      a.disable();
      official.enable();
      rabbit['otel-amqplib']!.push(await amqpRound(conn, scenario.workMs, scenario.concurrency));
      official.disable();
      process.stderr.write(`${scenario.title}: round ${r + 1}/${ROUNDS} done\n`);
    }
    table(`BullMQ, ${scenario.title}: Queue.add from 100 concurrent producers, Worker concurrency ${scenario.concurrency}`, bull, BULL_MESSAGES);
    table(`RabbitMQ, ${scenario.title}: sendToQueue one by one, consumer prefetch ${scenario.concurrency} with ack`, rabbit, AMQP_MESSAGES);
  }
  await conn.close();
  await provider.forceFlush();

  lines.push(
    '### amqplib hot path alone: CPU per message (publish + deliver + ack) with a stand-in channel, no broker (best of 5 × 50,000)',
    '',
    '| variant | CPU µs/message | added by the instrumentation |',
    '| --- | ---: | ---: |',
    ...Object.entries(hot).map(([name, us]) => `| ${name} | ${us.toFixed(2)} | +${(us - hot.none).toFixed(2)} µs |`),
    '',
  );

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const doc = [
    '# Queue throughput: BullMQ and RabbitMQ, with and without instrumentation',
    '',
    'Command (repository root, Redis and RabbitMQ from `scripts/services.mjs` running on loopback):',
    '',
    '    pnpm exec tsx --tsconfig tsconfig.test.json bench/queue.ts',
    '',
    `Machine: ${os.cpus().length} cores (${cpu}), Node ${process.version}, ${os.platform()}; shared with other work, so rounds alternate between variants and the median is reported.`,
    `Run: ${new Date().toISOString()}. Every producer call runs inside a run (root span + correlation-id baggage); instrumented variants record every span into a BatchSpanProcessor with a no-op exporter (${exporter.exported} spans exported).`,
    '',
    'Variants: `none` = no queue instrumentation; `agentrace` = `instrumentBullMQ` / `instrumentAmqplib` from @agentrace/instrumentation-queue; `otel-amqplib` = @opentelemetry/instrumentation-amqplib 0.70.0 patched onto the same classes. Target: agentrace >= 90% of `none`.',
    '',
    'Reading the numbers: producer, consumer and broker share the 2 cores with other work, so the raw (empty handler) rounds swing by 2-3x from one round to the next and their medians can land on either side of 100%; compare the per-round columns and the CPU per message. The agent-like scenario (handlers that wait on I/O, as agents do) is steady and is the one the 90% target is read on. The last table isolates what the amqplib instrumentation itself costs per message (two spans, inject, extract, ack bookkeeping), free of broker noise.',
    '',
    'Known gap: BullMQ with an empty handler misses the 90% target in most runs (the per-round columns). Profiles (node --cpu-prof, this machine) put most of the extra CPU in ioredis socket writes of `addJob` when both the producer and the worker are instrumented (the job then carries its ~130-byte `tm` carrier), plus two spans, inject/extract and JSON of the carrier per job; producer-only or worker-only instrumentation costs little. Not yet resolved. With handlers that do any I/O (the agent-like tables) the difference disappears in the noise.',
    '',
    ...lines,
  ].join('\n');
  const out = fileURLToPath(new URL('./results/queue.md', import.meta.url));
  writeFileSync(out, `${doc}\n`);
  process.stdout.write(`${doc}\n`);
  process.exit(0);
}

void main();
