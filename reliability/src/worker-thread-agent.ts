// Runs that hand work to a worker thread and wait for its reply, with the worker created lazily inside
// the first run (as agents do). The run's context goes to the worker in the message
// (`contextCarrier`) and comes back in the reply; the worker has its own `init()`. Prints
// `done <n>` once everything is exported. Environment: SERVICE_NAME, OTLP_TRACES_URL, RUNS.
import { Worker } from 'node:worker_threads';
import { contextCarrier, traced, withContextCarrier } from '@agentrace/decorators';
import { init } from '@agentrace/tracer';
import { trace } from '@opentelemetry/api';

const env = process.env;
const tracing = init({ serviceName: env.SERVICE_NAME ?? 'worker-thread-agent', endpoint: env.OTLP_TRACES_URL, exporter: 'otlp' });
const RUNS = Number(env.RUNS ?? 100);

interface Reply {
  seq: number;
  carrier: Record<string, string>;
}

let worker: Worker | undefined;
const waiting = new Map<number, (reply: Reply) => void>();

function theWorker(): Worker {
  if (worker !== undefined) return worker;
  // Created inside whichever run comes first: its 'message' listener runs in that run's context for
  // ever, which is why the reply carries its own context back.
  // The worker loads TypeScript through tsx as this thread does (a built worker is just its file).
  const entry = new URL('./worker-thread-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register({ tsconfig: process.env.TSX_TSCONFIG_PATH }); return import(${JSON.stringify(entry)}); })`;
  worker = new Worker(boot, { eval: true, env: { ...env, SERVICE_NAME: `${env.SERVICE_NAME ?? 'worker-thread-agent'}-worker` } });
  worker.on('message', (reply: Reply) => {
    withContextCarrier(reply.carrier, () => {
      trace.getTracer('probe').startActiveSpan('reply received', (span) => span.end());
      waiting.get(reply.seq)?.(reply);
      waiting.delete(reply.seq);
    });
  });
  return worker;
}

const handle = traced(
  'handle',
  async (message: { correlationId: string; seq: number }) => {
    const reply = new Promise<Reply>((resolve) => waiting.set(message.seq, resolve));
    theWorker().postMessage({ seq: message.seq, owner: message.correlationId, carrier: contextCarrier() });
    await reply;
    trace.getTracer('probe').startActiveSpan('probe', { attributes: { 'test.owner': message.correlationId } }, (span) => span.end());
  },
  { type: 'run' },
);

await Promise.all(Array.from({ length: RUNS }, (_, seq) => handle({ correlationId: `${env.SERVICE_NAME}-run-${seq}`, seq })));
worker!.postMessage('stop');
await new Promise((resolve) => worker!.once('exit', resolve));
await tracing.shutdown();
process.stdout.write(`done ${RUNS}\n`);
