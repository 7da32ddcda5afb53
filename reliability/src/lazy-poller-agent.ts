// 100 runs hand messages to a setInterval poller that the first of them starts lazily; the poller
// starts a run per message. Exported to Jaeger with init(). Prints `done <n>` once exported.
// Environment: SERVICE_NAME, OTLP_TRACES_URL, RUNS.
import { traced } from '@agentrace/decorators';
import { init } from '@agentrace/tracer';
import { intervalPoller, type Message } from './background-loops.js';

const env = process.env;
const tracing = init({ serviceName: env.SERVICE_NAME ?? 'lazy-poller-agent', endpoint: env.OTLP_TRACES_URL, exporter: 'otlp' });
const RUNS = Number(env.RUNS ?? 100);

let handled = 0;
let allHandled: () => void = () => {};
const done = new Promise<void>((resolve) => (allHandled = resolve));
const step = traced('look up account', async (seq: number) => {
  await new Promise((resolve) => setTimeout(resolve, 1 + (seq % 3)));
});
const handle = traced(
  'handle message',
  async (message: Message) => {
    await step(message.seq);
    if (++handled === RUNS) allHandled();
  },
  { type: 'run' },
);
const poller = intervalPoller((message) => void handle(message));
const submit = traced('submit', (message: Message) => poller.send(message), { type: 'run', correlationId: (m: Message) => m.from });
await Promise.all(Array.from({ length: RUNS }, (_, seq) => submit({ from: `submit-${seq}`, seq })));
await done;
await poller.stop();
await tracing.shutdown();
process.stdout.write(`done ${RUNS}\n`);
