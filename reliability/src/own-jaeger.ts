// A Jaeger of the test's own, on ports of its own, that the test may stop and restart without
// disturbing the shared one other tests export to. Same binary and configuration files as
// scripts/services.mjs uses: scripts/jaeger-config.yaml, the overlays asked for (scripts/jaeger/*.yaml:
// badger, tail-sampling), and last an overlay of this instance's ports.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { jaegerLaunch } from '../../scripts/services.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface OwnJaegerOptions {
  /** Overlays of scripts/jaeger/ merged over the default configuration, e.g. `['badger']`. Default none. */
  overlays?: readonly string[];
  /** Where the `badger` overlay stores traces. Default: a directory of this instance under .services/. */
  dataDir?: string;
  /** More environment for the Jaeger process (the tail-sampling overlay's AGENTRACE_TAIL_* settings). */
  env?: Record<string, string>;
  /** Serve Jaeger's own metrics (spans received, stored) in Prometheus format on this port. Default: off. */
  metricsPort?: number;
  /** The in-memory store's trace limit. Default: the shared configuration's. */
  maxTraces?: number;
}

export interface OwnJaeger {
  /** OTLP/HTTP traces URL. */
  readonly endpoint: string;
  /** Query API base URL. */
  readonly queryUrl: string;
  /** Where the `badger` overlay stores traces. */
  readonly dataDir: string;
  start(): Promise<void>;
  /** Kills it (SIGKILL), or with `graceful` lets it shut down (SIGTERM), as a restart would. */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

/** This instance's ports (and metrics, store size), merged last over the shared configuration. */
function portsOverlay(base: number, query: number, options: OwnJaegerOptions): string {
  const metrics = options.metricsPort
    ? `
    metrics:
      level: basic
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: ${options.metricsPort}`
    : '';
  const store = options.maxTraces
    ? `
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: ${options.maxTraces}`
    : '';
  return `service:
  telemetry:
    logs:
      level: warn${metrics}
extensions:${store}
  healthcheckv2:
    http:
      endpoint: 127.0.0.1:${base + 1}
  jaeger_query:
    http:
      endpoint: 127.0.0.1:${query}
    grpc:
      endpoint: 127.0.0.1:${base + 2}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${base + 3}
      http:
        endpoint: 127.0.0.1:${base}
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

/** A Jaeger on loopback ports `base`..`base+5` (OTLP/HTTP on `base`, query on `base+4`). */
export function ownJaeger(base = 24_318, options: OwnJaegerOptions = {}): OwnJaeger {
  const query = base + 4;
  const dir = join(repo, '.services', `jaeger-${base}`);
  mkdirSync(dir, { recursive: true });
  const portsFile = join(dir, 'ports.yaml');
  writeFileSync(portsFile, portsOverlay(base, query, options));
  const launch = jaegerLaunch((options.overlays ?? []).join(','), options.dataDir ?? join(dir, 'data'));
  const args = [...launch.args, '--config', portsFile];
  const queryUrl = `http://127.0.0.1:${query}`;
  let proc: ChildProcess | undefined;
  return {
    endpoint: `http://127.0.0.1:${base}/v1/traces`,
    queryUrl,
    dataDir: launch.dataDir,
    async start() {
      const out = execFileSync(process.execPath, [join(repo, 'scripts', 'services.mjs'), 'jaeger-bin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      const bin = out.trim().split('\n').pop()!;
      mkdirSync(launch.dataDir, { recursive: true });
      const log = openSync(join(dir, 'jaeger.log'), 'a');
      proc = spawn(bin, args, { stdio: ['ignore', log, log], env: { ...process.env, ...launch.env, ...options.env } });
      const exited = new Promise<never>((_, reject) => proc!.once('exit', (code) => reject(new Error(`own Jaeger exited (${code}); see ${dir}/jaeger.log`))));
      exited.catch(() => {});
      for (let i = 0; i < 240; i++) {
        if (await Promise.race([answers(`${queryUrl}/api/services`), exited])) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`own Jaeger did not answer on ${queryUrl}; see ${dir}/jaeger.log`);
    },
    async stop({ graceful = false } = {}) {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      p.kill(graceful ? 'SIGTERM' : 'SIGKILL');
      const timer = graceful ? setTimeout(() => p.kill('SIGKILL'), 30_000) : undefined;
      await gone;
      clearTimeout(timer);
    },
  };
}
