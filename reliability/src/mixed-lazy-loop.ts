// The lazy loop of the mixed soak: a setInterval poller over an in-memory inbox, started by whichever
// run sends it the first message, inside that run (neither detached nor newTrace), as agents create
// their loops lazily. It takes at most `batch` messages a tick, as a poller of SQS or of a Redis list
// does, so it is still draining after the run that started it has ended: the runs it starts for the
// first messages meet a live run in the loop's context, the later ones an ended run.

export interface LazyPollerOptions {
  /** Milliseconds between ticks. Default 2. */
  intervalMs?: number;
  /** Most messages handled per tick. Default 32. */
  batch?: number;
}

export interface LazyPoller<M> {
  /** Starts the poller the first time, in the caller's context, then queues `message`. */
  send(message: M): void;
  stop(): void;
}

export function lazyPoller<M>(onMessage: (message: M) => void, { intervalMs = 2, batch = 32 }: LazyPollerOptions = {}): LazyPoller<M> {
  const inbox: M[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    send(message) {
      timer ??= setInterval(() => {
        for (const m of inbox.splice(0, batch)) onMessage(m);
      }, intervalMs);
      inbox.push(message);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
