// Issue 15: the synchronous last-chance export (process.exit(), an uncaught exception) posts from a
// short-lived child process. The OTLP headers usually hold a token; they reach the child on stdin, so
// no other user of the machine can read them in `ps` or /proc/<pid>/cmdline. Its environment does not
// carry the OTEL_EXPORTER_OTLP_*HEADERS variables either.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');
const app = fileURLToPath(new URL('./fixtures/exit-app.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('../../../tsconfig.test.json', import.meta.url));

/** Children of `pid` (from /proc/<child>/stat, whose fourth field is the parent's pid). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (in parentheses) may hold spaces: the fields after it are what counts.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

it.each(['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'])(
  'the child that sends the last spans at process.exit() has no header value (from %s) in its command line or environment',
  async (variable) => {
    const token = `secret-${randomBytes(12).toString('hex')}`;
    let appPid = 0;
    const seen: { pid: number; cmdline: string; environ: string; authorization?: string }[] = [];
    // The endpoint holds the request open while the child is looked at, then answers.
    server = createServer((req, res) => {
      req.resume();
      for (const pid of childrenOf(appPid)) {
        try {
          seen.push({
            pid,
            cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8'),
            environ: readFileSync(`/proc/${pid}/environ`, 'utf8'),
            authorization: req.headers.authorization,
          });
        } catch {
          /* gone meanwhile */
        }
      }
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
    const child = spawn(process.execPath, ['--import', tsx, app, 'process-exit'], {
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: tsconfig,
        RECEIVER_URL: url,
        [variable]: `authorization=Bearer%20${token}`,
        // The in-thread export, whose exit path is the child process (a ready export worker sends itself).
        AGENTRACE_EXPORT_THREAD: 'main',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    appPid = child.pid!;
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(3);
    // The child was seen while it sent, and it did send the header.
    expect(seen.length, stderr).toBeGreaterThan(0);
    expect(seen[0]!.authorization).toBe(`Bearer ${token}`);
    for (const s of seen) {
      expect(s.cmdline).not.toContain(token);
      expect(s.environ).not.toContain(token);
    }
  },
);
