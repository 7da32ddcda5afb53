import { diag } from '@opentelemetry/api';

/** Resolves after `fn` settles or `ms` pass, whichever comes first; never rejects. */
export function within(ms: number, fn: () => Promise<void>): Promise<'done' | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
    fn().then(
      () => {
        clearTimeout(timer);
        resolve('done');
      },
      (error: unknown) => {
        clearTimeout(timer);
        diag.error('agentrace: final export failed', error);
        resolve('done');
      },
    );
  });
}

/**
 * Flushes on SIGTERM and SIGINT and shuts down at normal exit (`beforeExit`), each within
 * `timeoutMs`, without keeping the process alive longer. Returns a function that removes the hooks.
 */
export function installExitHooks(flush: () => Promise<void>, shutdown: () => Promise<void>, timeoutMs: number): () => void {
  let exiting = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    void within(timeoutMs, flush).then(() => {
      remove();
      // Alone, we reproduce Node's default (die by the signal). With other listeners, they decide.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  const onBeforeExit = (): void => {
    if (exiting) return;
    exiting = true;
    // A dead or slow endpoint must not hold the process: past the bound, finish the exit.
    const timer = setTimeout(() => {
      diag.warn(`agentrace: final export still running after ${timeoutMs} ms; exiting without it`);
      process.exit();
    }, timeoutMs);
    void shutdown().finally(() => clearTimeout(timer));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('beforeExit', onBeforeExit);
  const remove = (): void => {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('beforeExit', onBeforeExit);
  };
  return remove;
}
