// A Jaeger of the test's own, on ports of its own, that the test may stop and restart without
// disturbing the shared one other tests export to. Same binary as scripts/services.mjs uses.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface OwnJaegerPorts {
  otlpHttp: number;
  query: number;
}

export interface OwnJaeger {
  /** OTLP/HTTP traces URL. */
  readonly endpoint: string;
  /** Query API base URL. */
  readonly queryUrl: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function config(ports: OwnJaegerPorts, base: number, options: OwnJaegerOptions): string {
  const metrics = options.metricsPort
    ? `level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: ${options.metricsPort}`
    : 'level: none';
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      ${metrics}
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${base + 1}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.query}
    grpc:
      endpoint: 127.0.0.1:${base + 2}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: ${options.maxTraces ?? 200_000}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${base + 3}
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

export interface OwnJaegerOptions {
  /** Serve the collector's own metrics (Prometheus text, spans received and stored) on this port. */
  metricsPort?: number;
  /** Traces the in-memory store keeps. Default 200,000. */
  maxTraces?: number;
}

/** A Jaeger on loopback ports `base`..`base+5` (OTLP/HTTP on `base`, query on `base+4`). */
export function ownJaeger(base = 24_318, options: OwnJaegerOptions = {}): OwnJaeger {
  const ports = { otlpHttp: base, query: base + 4 };
  const dir = join(repo, '.services', `jaeger-${base}`);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, config(ports, base, options));
  const queryUrl = `http://127.0.0.1:${ports.query}`;
  let proc: ChildProcess | undefined;
  return {
    endpoint: `http://127.0.0.1:${ports.otlpHttp}/v1/traces`,
    queryUrl,
    async start() {
      const out = execFileSync(process.execPath, [join(repo, 'scripts', 'services.mjs'), 'jaeger-bin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      const bin = out.trim().split('\n').pop()!;
      const log = openSync(join(dir, 'jaeger.log'), 'a');
      proc = spawn(bin, ['--config', configFile], { stdio: ['ignore', log, log] });
      const exited = new Promise<never>((_, reject) => proc!.once('exit', (code) => reject(new Error(`own Jaeger exited (${code}); see ${dir}/jaeger.log`))));
      exited.catch(() => {});
      for (let i = 0; i < 240; i++) {
        if (await Promise.race([answers(`${queryUrl}/api/services`), exited])) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`own Jaeger did not answer on ${queryUrl}; see ${dir}/jaeger.log`);
    },
    async stop() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      p.kill('SIGKILL');
      await gone;
    },
  };
}
