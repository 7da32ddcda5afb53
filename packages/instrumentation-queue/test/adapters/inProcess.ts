// In-process queues, driven through fastq (a CommonJS module, so the require hook sees it load in the
// test process). p-queue is an ES module: its hook needs the import-in-the-middle loader, which a
// vitest worker cannot take, so `loads-and-hooks-in-esm-and-cjs.test.ts` checks it in a child process.
import { createRequire } from 'node:module';
import type * as Fastq from 'fastq';
import { inWorkerBoot, uniqueName } from '../utils/runs.js';
import type { ClientSession, ClientTestAdapter, SessionOptions } from './types.js';

const require = createRequire(import.meta.url);

type FastqModule = typeof Fastq;

export const adapter: ClientTestAdapter = {
  recordsConcurrency: false,
  messages: 'carries-context',
  crossProcess: false,

  load: () => ({ fastq: require('fastq') as FastqModule }),

  // fastq exports a factory function: the hook hands out a wrapper, which passes straight through once
  // disabled (the test checks that by behaviour: nothing is traced).
  patchedMethods: () => [],

  async open(lib, { name = uniqueName('tasks'), concurrency = 1 }: SessionOptions = {}): Promise<ClientSession> {
    const fastq = (lib as { fastq: FastqModule }).fastq;
    let handle: ((payload: string) => unknown) | undefined;
    let queue: Fastq.queueAsPromised<string> | undefined;
    return {
      destination: name,
      producerSpanName: undefined,
      processSpanName: 'process fastq',
      async publish(payload) {
        if (!queue) throw new Error('consume() first: an in-process queue has no broker to hold the message');
        // Accepted as soon as it is queued; its failure belongs to the consumer.
        queue.push(payload).catch(() => {});
      },
      async consume(handler) {
        handle = handler;
        queue = inWorkerBoot(() => fastq.promise(async (payload: string) => handle!(payload), concurrency));
      },
      hostile: [
        // The value is the task: it is the key the pusher's context is kept under, and the consumer hook's message.
        { position: 'fastq push value', send: (value) => fastq.promise(async (v: unknown) => [v], 1).push(value) },
        {
          position: 'fastq worker rejection',
          send: (value) =>
            fastq
              .promise(async () => {
                throw value;
              }, 1)
              .push(1),
        },
      ],
      async close() {
        queue?.kill();
      },
    };
  },
};
