// The worker of worker-thread-agent.ts: its own init(), each message handled in the run it came from.
import { parentPort } from 'node:worker_threads';
import { contextCarrier, traced, withContextCarrier } from '@agentrace/decorators';
import { init } from '@agentrace/tracer';
import { trace } from '@opentelemetry/api';

const tracing = init({ serviceName: process.env.SERVICE_NAME ?? 'worker-thread-worker', endpoint: process.env.OTLP_TRACES_URL, exporter: 'otlp', handleExit: false });

const work = traced('work in worker', async (owner: string) => {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
  trace.getTracer('probe').startActiveSpan('probe', { attributes: { 'test.owner': owner } }, (span) => span.end());
  return contextCarrier();
});

parentPort!.on('message', (message: { seq: number; owner: string; carrier: Record<string, string> } | 'stop') => {
  if (message === 'stop') {
    void tracing.shutdown().then(() => process.exit(0));
    return;
  }
  void withContextCarrier(message.carrier, () => work(message.owner)).then((carrier) => parentPort!.postMessage({ seq: message.seq, carrier }));
});
