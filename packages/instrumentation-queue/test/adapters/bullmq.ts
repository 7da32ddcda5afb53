import { createRequire } from 'node:module';
import { instrumentBullMQ } from '@agentrace/instrumentation-queue';
import type * as BullMQ from 'bullmq';
import { redisConnection } from '../utils/brokers.js';
import { inWorkerBoot, uniqueName } from '../utils/runs.js';
import type { ClientLibrary, ClientSession, ClientTestAdapter, SessionOptions } from './types.js';

const require = createRequire(import.meta.url);
/** One prefix for every test queue, so both processes of the cross-process test find the same keys. */
const PREFIX = 'agentrace-test-clients';
/** Values BullMQ itself takes minutes over, with or without agentrace (measured uninstrumented). */
const SLOW_IN_BULLMQ = {
  data: { 'sparse array of length 2^32-1': 'BullMQ writes it as JSON: a 20 GB string' },
  name: {
    'sparse array of length 2^32-1': 'BullMQ joins it into a 4-billion-comma string (over 2 minutes)',
    'boxed 10 MB String': 'BullMQ takes over 10 seconds over it',
  },
  options: {
    '10 MB ASCII string': 'BullMQ spreads it into 10 million keys',
    '10 MB string of emoji (surrogate pairs)': 'BullMQ spreads it into 10 million keys',
    '10 MB string of quotes, backslashes and control characters': 'BullMQ spreads it into 10 million keys',
    'boxed 10 MB String': 'BullMQ spreads it into 10 million keys',
    '16 MB Buffer': 'BullMQ spreads it into 16 million keys (30 seconds)',
  },
};

export const adapter: ClientTestAdapter = {
  recordsConcurrency: true,
  messages: 'carries-context',
  crossProcess: true,

  load: () => require('bullmq') as ClientLibrary,

  patchedMethods(lib) {
    const { Queue, Worker, FlowProducer, QueueEvents } = lib as typeof BullMQ;
    return [
      // emit: listeners of the events BullMQ fires from its loops and connections run outside the creating run.
      [Queue.prototype, 'emit'],
      [Worker.prototype, 'emit'],
      [FlowProducer.prototype, 'emit'],
      [QueueEvents.prototype, 'emit'],
      [Queue.prototype, 'add'],
      [Queue.prototype, 'addBulk'],
      [Queue.prototype, 'upsertJobScheduler'],
      [FlowProducer.prototype, 'add'],
      [FlowProducer.prototype, 'addBulk'],
      [Worker.prototype, 'processJob'],
      [Worker.prototype, 'handleFailed'],
    ];
  },

  async open(lib, { name = uniqueName('q'), concurrency = 1 }: SessionOptions = {}): Promise<ClientSession> {
    const bullmq = lib as typeof BullMQ;
    const connection = redisConnection();
    const queue = new bullmq.Queue(name, { connection, prefix: PREFIX });
    let worker: BullMQ.Worker | undefined;
    return {
      destination: name,
      producerSpanName: `send ${name}`,
      processSpanName: `process ${name}`,
      async publish(payload) {
        await queue.add('step', { payload });
      },
      async consume(handler) {
        const w = inWorkerBoot(
          () => new bullmq.Worker(name, async (job: BullMQ.Job<{ payload: string }>) => handler(job.data.payload), { connection, prefix: PREFIX, concurrency }),
        );
        w.on('error', () => {});
        worker = w;
        await w.waitUntilReady();
      },
      hostile: [
        { position: 'Queue.add job data', skip: SLOW_IN_BULLMQ.data, send: (value) => queue.add('hostile', value) },
        { position: 'Queue.add job name', skip: SLOW_IN_BULLMQ.name, send: (value) => queue.add(value as string, {}) },
        { position: 'Queue.add job options', skip: SLOW_IN_BULLMQ.options, send: (value) => queue.add('hostile', {}, value as BullMQ.JobsOptions) },
      ],
      async close({ keepQueue = false } = {}) {
        await worker?.close(true);
        if (!keepQueue) await queue.obliterate({ force: true });
        await queue.close();
      },
    };
  },

  async explicitHandles(lib) {
    const handles = [instrumentBullMQ(lib), instrumentBullMQ(lib)];
    return { handles, close: async () => {} };
  },
};
