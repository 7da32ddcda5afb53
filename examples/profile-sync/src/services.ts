// Starts services B and C as separate Node processes (src/service.ts twice) and stops them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface RunningService {
  name: string;
  url: string;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** `service.name` of the process. */
  serviceName: string;
  /** A user id the service rejects. Default: none. */
  failUser?: string;
}

const serviceFile = fileURLToPath(new URL('./service.ts', import.meta.url));

/**
 * Runs src/service.ts in a new process with the same Node flags as this one (under tsx, its loader),
 * prefixes its output with `[name]`, and resolves once it listens.
 */
export function startService(name: string, { serviceName, failUser = '' }: ServiceOptions): Promise<RunningService> {
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, serviceFile], {
    env: { ...process.env, SERVICE_NAME: name, OTEL_SERVICE_NAME: serviceName, FAIL_USER: failUser, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(`[${name}] ${line}\n`));
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`service ${name} exited before it was ready (${signal ?? code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = /^READY (\d+)$/.exec(line);
      if (!ready) return void process.stdout.write(`[${name}] ${line}\n`);
      resolve({
        name,
        url: `http://127.0.0.1:${ready[1]}`,
        async stop() {
          // SIGTERM: the service's init() flushes its spans to Jaeger, then the process ends.
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
