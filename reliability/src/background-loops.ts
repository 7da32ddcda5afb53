// Background loops an agent starts lazily, from inside whichever run needs them first: each takes
// messages pushed by runs and hands every one to `onMessage`. The patterns real agents use.
import { EventEmitter, on } from 'node:events';
import { Redis } from 'ioredis';

export interface Message {
  /** The run that sent it. */
  from: string;
  /** Correlation id of the run that handles it, if the message names one. */
  correlationId?: string;
  seq: number;
}

export interface BackgroundLoop {
  readonly name: string;
  /** Starts the loop the first time (in the caller's context, as agents do), then sends `message`. */
  send(message: Message): Promise<void>;
  stop(): Promise<void>;
}

type Handler = (message: Message) => void;

/** A `setInterval` poller over an in-memory inbox. */
export function intervalPoller(onMessage: Handler, start: (begin: () => void) => void = (b) => b()): BackgroundLoop {
  const inbox: Message[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    name: 'setInterval poller',
    async send(message) {
      if (timer === undefined) {
        start(() => {
          timer = setInterval(() => {
            for (const m of inbox.splice(0)) onMessage(m);
          }, 2);
        });
      }
      inbox.push(message);
    },
    async stop() {
      clearInterval(timer);
    },
  };
}

/** A `for await (... of events.on(emitter, 'job'))` loop. */
export function eventsOnLoop(onMessage: Handler, start: (begin: () => void) => void = (b) => b()): BackgroundLoop {
  const emitter = new EventEmitter();
  const stopper = new AbortController();
  let started = false;
  return {
    name: 'events.on loop',
    async send(message) {
      if (!started) {
        started = true;
        start(() => {
          void (async () => {
            try {
              for await (const [m] of on(emitter, 'job', { signal: stopper.signal })) onMessage(m as Message);
            } catch {
              // aborted by stop()
            }
          })();
        });
      }
      emitter.emit('job', message);
    },
    async stop() {
      stopper.abort();
    },
  };
}

/** A Redis `BRPOP` loop on its own connection, fed by `LPUSH` from the runs. */
export function brpopLoop(onMessage: Handler, redisUrl: string, key: string, start: (begin: () => void) => void = (b) => b()): BackgroundLoop {
  const producer = new Redis(redisUrl, { lazyConnect: false });
  let consumer: Redis | undefined;
  let stopped = false;
  let loop: Promise<void> | undefined;
  return {
    name: 'Redis BRPOP loop',
    async send(message) {
      if (consumer === undefined) {
        start(() => {
          const redis = (consumer = new Redis(redisUrl));
          loop = (async () => {
            while (!stopped) {
              const popped = await redis.brpop(key, 1);
              if (popped !== null) onMessage(JSON.parse(popped[1]) as Message);
            }
          })();
        });
      }
      await producer.lpush(key, JSON.stringify(message));
    },
    async stop() {
      stopped = true;
      await loop;
      consumer?.disconnect();
      producer.disconnect();
    },
  };
}
