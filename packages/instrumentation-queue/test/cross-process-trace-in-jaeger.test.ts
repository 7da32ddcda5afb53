import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jaegerQueryUrl, otlpTracesEndpoint } from '@agentrace/testing';
import { expect, it } from 'vitest';
import { uniqueName } from './utils/runs.js';

const MESSAGES = 3;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = `${repoRoot}node_modules/.bin/tsx`;
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface JaegerSpan {
  spanID: string;
  operationName: string;
  processID: string;
  references: Array<{ refType: string; spanID: string; traceID: string }>;
  tags: Array<{ key: string; value: unknown }>;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

function start(file: string, env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const child = spawn(tsx, ['--tsconfig', `${repoRoot}tsconfig.test.json`, fixture(file)], { cwd: repoRoot, env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, output: () => out, exited };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function jaegerTrace(traceId: string): Promise<JaegerTrace | undefined> {
  const response = await fetch(`${jaegerQueryUrl()}/api/traces/${traceId}`);
  if (!response.ok) return undefined;
  const body = (await response.json()) as { data?: JaegerTrace[] };
  return body.data?.[0];
}

it('shows each message as one trace holding the producer and the consumer service in Jaeger', async () => {
  const id = uniqueName('e2e');
  const env = {
    E2E_PRODUCER_SERVICE: `agentrace-queue-producer-${id}`,
    E2E_CONSUMER_SERVICE: `agentrace-queue-consumer-${id}`,
    E2E_OTLP_TRACES: otlpTracesEndpoint(),
    E2E_BULL_QUEUE: `q-${id}`,
    E2E_BULL_PREFIX: `agentrace-e2e-${id}`,
    E2E_AMQP_QUEUE: `agentrace-e2e-${id}`,
    E2E_MESSAGES: String(MESSAGES),
  };
  const consumer = start('e2e-consumer.mts', env);
  try {
    await until('consumer ready', () => (consumer.output().includes('ready') ? true : undefined), 60_000);
    const producer = start('e2e-producer.mts', env);
    expect(await producer.exited, producer.output()).toBe(0);
    expect(await consumer.exited, consumer.output()).toBe(0);

    // Each consumer handler saw its own run's correlation id from baggage.
    const lines = consumer.output().split('\n').filter((l) => l.startsWith('bullmq ') || l.startsWith('amqplib '));
    expect(lines).toHaveLength(MESSAGES * 2);
    for (const line of lines) {
      const [, run, seen] = line.split(' ');
      expect(seen).toBe(run);
    }

    const traceLine = producer.output().split('\n').find((l) => l.startsWith('traces '))!;
    const traces = traceLine.slice(7).split(',').map((pair) => pair.split('=') as [string, string]);
    expect(traces).toHaveLength(MESSAGES * 2);
    for (const [run, traceId] of traces) {
      const trace = await until(
        `trace of ${run} with both services`,
        async () => {
          const t = await jaegerTrace(traceId);
          return t && t.spans.some((s) => s.operationName.startsWith('process ')) && t.spans.some((s) => s.operationName.startsWith('run ')) ? t : undefined;
        },
        30_000,
      );
      const services = new Set(Object.values(trace.processes).map((p) => p.serviceName));
      expect(services).toEqual(new Set([env.E2E_PRODUCER_SERVICE, env.E2E_CONSUMER_SERVICE]));
      const producerSpan = trace.spans.find((s) => s.operationName === `send ${env.E2E_BULL_QUEUE}` || s.operationName === `publish ${env.E2E_AMQP_QUEUE}`)!;
      const processSpan = trace.spans.find((s) => s.operationName.startsWith('process '))!;
      expect(producerSpan, `${run}: ${trace.spans.map((s) => s.operationName).join(', ')}`).toBeDefined();
      expect(trace.processes[producerSpan.processID]?.serviceName).toBe(env.E2E_PRODUCER_SERVICE);
      expect(trace.processes[processSpan.processID]?.serviceName).toBe(env.E2E_CONSUMER_SERVICE);
      expect(processSpan.references).toContainEqual({ refType: 'CHILD_OF', spanID: producerSpan.spanID, traceID: trace.traceID });
      // The run's correlation id crossed the hop in baggage and is on the consumer's span.
      expect(processSpan.tags).toContainEqual(expect.objectContaining({ key: 'agentrace.correlation_id', value: run }));
    }
  } finally {
    consumer.child.kill();
  }
}, 120_000);
