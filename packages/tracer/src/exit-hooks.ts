import { reporter } from './report.js';

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
        reporter.error('final export failed', error);
        resolve('done');
      },
    );
  });
}

/** What the exit hooks call. */
export interface ExitActions {
  /** Sends what has ended so far. */
  flush(): Promise<void>;
  /** Sends what is left and stops. */
  shutdown(): Promise<void>;
  /** The process is ending now: send what is left synchronously within `remainingMillis`, write the totals. */
  exitNow(remainingMillis: number): void;
}

/**
 * Flushes on SIGTERM and SIGINT, shuts down at normal exit (`beforeExit`), and sends what is left
 * synchronously when the process exits without an event loop turn left (`process.exit()`, an uncaught
 * exception): each within `timeoutMs` in all, without keeping the process alive longer. Returns a
 * function that removes the hooks.
 */
export function installExitHooks(actions: ExitActions, timeoutMs: number): () => void {
  let exiting = false;
  // When the first exit path started, so a later one only uses what is left of the bound.
  let startedAt: number | undefined;
  const remaining = (): number => Math.max(0, (startedAt ?? Date.now()) + timeoutMs - Date.now());
  const onSignal = (signal: NodeJS.Signals): void => {
    startedAt ??= Date.now();
    void within(remaining(), actions.flush).then(() => {
      remove();
      // Alone, we reproduce Node's default (die by the signal). With other listeners, they decide.
      if (process.listenerCount(signal) === 0) {
        actions.exitNow(remaining());
        process.kill(process.pid, signal);
      }
    });
  };
  const onBeforeExit = (): void => {
    if (exiting) return;
    exiting = true;
    startedAt ??= Date.now();
    // A dead or slow endpoint must not hold the process: past the bound, finish the exit.
    const timer = setTimeout(() => {
      reporter.warn(`final export still running after ${timeoutMs} ms; exiting without it`);
      process.exit();
    }, remaining());
    void actions.shutdown().finally(() => clearTimeout(timer));
  };
  const onExit = (): void => {
    actions.exitNow(remaining());
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  const remove = (): void => {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('beforeExit', onBeforeExit);
    process.removeListener('exit', onExit);
  };
  return remove;
}
