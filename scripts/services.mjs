#!/usr/bin/env node
// Starts the real servers the tests and examples need (Jaeger v2, Redis, RabbitMQ) on loopback.
// For each one: reuse a server already listening; else start an installed binary; else install it
// (Jaeger built with Go from the module proxy into a cache outside the repo, Redis and RabbitMQ from
// Debian's packages). Waits until each answers, and stops only what it started.
//
//   node scripts/services.mjs up [jaeger redis rabbitmq]   start what is missing, leave it running
//   node scripts/services.mjs down                          stop what `up` started
//   node scripts/services.mjs status
//   node scripts/services.mjs jaeger-bin                    print the Jaeger binary's path (built if missing)
//
// Jaeger's configuration is scripts/jaeger-config.yaml (in-memory storage, loopback ports). With
// AGENTRACE_JAEGER_CONFIG, a comma-separated list of overlays is merged over it, each a name in
// scripts/jaeger/ or a path: `badger` (traces on disk in AGENTRACE_JAEGER_DATA_DIR, default
// .services/jaeger-data, surviving restarts), `tail-sampling` (keep failed, slow and flagged traces and
// a share of the rest). Example: AGENTRACE_JAEGER_CONFIG=badger,tail-sampling node scripts/services.mjs up jaeger
//
// Logs are kept in .services/logs/ so a failing run can be read afterwards.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = join(repo, '.services');
const logDir = join(stateDir, 'logs');
const stateFile = join(stateDir, 'started.json');
const cacheDir = process.env.AGENTRACE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'agentrace');

// Jaeger v2.20.0's release commit. When the module proxy does not serve it, the newest release it
// serves (v1.76.0 of the Go module, which is Jaeger v2.13.0: same binary layout, same query APIs).
const JAEGER_BUILDS = [
  { label: 'v2.20.0', module: 'github.com/jaegertracing/jaeger@798e4b0fcf22609e381df764a01461affd813e1e' },
  { label: 'v2.13.0', module: 'github.com/jaegertracing/jaeger@v1.76.0' },
];

export const endpoints = {
  jaegerQuery: 'http://127.0.0.1:16686',
  otlpHttp: 'http://127.0.0.1:4318',
  redis: 'redis://127.0.0.1:6379',
  amqp: 'amqp://guest:guest@127.0.0.1:5672',
};

const log = (msg) => process.stderr.write(`[services] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function portOpen(port, host = '127.0.0.1') {
  return new Promise((done) => {
    const s = createConnection({ port, host });
    s.once('connect', () => { s.destroy(); done(true); });
    s.once('error', () => done(false));
    s.setTimeout(1000, () => { s.destroy(); done(false); });
  });
}

// Sends `hello` and resolves with the first bytes the server answers.
function exchange(port, hello) {
  return new Promise((done) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => s.write(hello));
    s.once('data', (d) => { s.destroy(); done(d); });
    s.once('error', () => done(null));
    s.setTimeout(2000, () => { s.destroy(); done(null); });
  });
}

async function httpOk(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function aptInstall(pkgs) {
  if (!which('apt-get')) throw new Error(`${pkgs.join(', ')} not installed and no apt-get here: install them, or run the Docker services (docker compose up -d)`);
  log(`installing ${pkgs.join(' ')} from Debian's packages`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const opts = { stdio: ['ignore', 'ignore', 'inherit'], env };
  execFileSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'update', '-qq'], opts);
  execFileSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(sudo.length ? ['apt-get'] : []), 'install', '-y', '-qq', ...pkgs], opts);
}

async function waitFor(what, check, { timeoutMs, proc }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (proc && proc.exitCode !== null) throw new Error(`${what} exited with code ${proc.exitCode} before it was ready; see ${logDir}`);
    await sleep(250);
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000}s; see ${logDir}`);
}

function startDetached(name, cmd, args, env = {}) {
  mkdirSync(logDir, { recursive: true });
  const out = openSync(join(logDir, `${name}.log`), 'a');
  const proc = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env }, cwd: stateDir });
  proc.unref();
  return proc;
}

/** The overlays of AGENTRACE_JAEGER_CONFIG (names in scripts/jaeger/ or paths), as files. */
function jaegerOverlays(list) {
  return (list ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((name) => {
    const file = name.includes('/') || name.endsWith('.yaml') ? resolve(name) : join(repo, 'scripts', 'jaeger', `${name}.yaml`);
    if (!existsSync(file)) {
      const known = readdirSync(join(repo, 'scripts', 'jaeger')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
      throw new Error(`AGENTRACE_JAEGER_CONFIG names '${name}', which is neither a file nor one of scripts/jaeger/: ${known.join(', ')}`);
    }
    return file;
  });
}

/**
 * Jaeger's command-line arguments and environment: scripts/jaeger-config.yaml, then each overlay of
 * `overlays` (default AGENTRACE_JAEGER_CONFIG) merged over it. Without overlays, exactly the default.
 */
export function jaegerLaunch(overlays = process.env.AGENTRACE_JAEGER_CONFIG, dataDir = process.env.AGENTRACE_JAEGER_DATA_DIR) {
  const files = [join(repo, 'scripts', 'jaeger-config.yaml'), ...jaegerOverlays(overlays)];
  const data = resolve(dataDir ?? join(stateDir, 'jaeger-data'));
  return { args: files.flatMap((f) => ['--config', f]), env: { AGENTRACE_JAEGER_DATA_DIR: data }, dataDir: data };
}

function jaegerBinary() {
  if (process.env.AGENTRACE_JAEGER_BIN) return process.env.AGENTRACE_JAEGER_BIN;
  for (const b of JAEGER_BUILDS) {
    const p = join(cacheDir, 'jaeger', b.label, 'jaeger');
    if (existsSync(p)) return p;
  }
  return null;
}

// `go install pkg@version` refuses Jaeger's module (its go.mod has a replace directive), so the
// module is downloaded from the proxy and built from the module cache instead.
function buildJaeger() {
  if (!which('go')) throw new Error('Jaeger is not running and Go is not installed to build it: install Go, or run docker compose up -d');
  const errors = [];
  for (const b of JAEGER_BUILDS) {
    const out = join(cacheDir, 'jaeger', b.label, 'jaeger');
    log(`building Jaeger ${b.label} (${b.module}) into ${out}; this takes a few minutes once`);
    const dl = spawnSync('go', ['mod', 'download', '-json', b.module], { encoding: 'utf8', cwd: homedir() });
    let dir;
    try { dir = JSON.parse(dl.stdout).Dir; } catch { /* reported below */ }
    if (dl.status !== 0 || !dir) {
      errors.push(`${b.label}: ${(dl.stdout + dl.stderr).trim().split('\n').pop()}`);
      continue;
    }
    mkdirSync(dirname(out), { recursive: true });
    const build = spawnSync('go', ['build', '-o', out, './cmd/jaeger'], {
      cwd: dir, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false' },
    });
    if (build.status === 0) return out;
    errors.push(`${b.label}: go build exited ${build.status}`);
  }
  throw new Error(`could not build Jaeger:\n  ${errors.join('\n  ')}`);
}

const services = {
  jaeger: {
    ready: async () => (await httpOk(`${endpoints.jaegerQuery}/api/services`)) && (await portOpen(4318)),
    async start() {
      const bin = jaegerBinary() ?? buildJaeger();
      const launch = jaegerLaunch();
      if (process.env.AGENTRACE_JAEGER_CONFIG) {
        mkdirSync(launch.dataDir, { recursive: true });
        log(`jaeger: with ${process.env.AGENTRACE_JAEGER_CONFIG} (data in ${launch.dataDir} where the overlay stores any)`);
      }
      const proc = startDetached('jaeger', bin, launch.args, launch.env);
      await waitFor('Jaeger', this.ready, { timeoutMs: 60_000, proc });
      return { pid: proc.pid };
    },
  },
  redis: {
    ready: async () => String(await exchange(6379, 'PING\r\n')).startsWith('+PONG'),
    async start() {
      if (!which('redis-server')) aptInstall(['redis-server']);
      const dir = join(stateDir, 'redis');
      mkdirSync(dir, { recursive: true });
      const proc = startDetached('redis', 'redis-server', [
        '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', dir,
      ]);
      await waitFor('Redis', this.ready, { timeoutMs: 30_000, proc });
      return { pid: proc.pid };
    },
  },
  rabbitmq: {
    // The AMQP 0-9-1 protocol header; a ready broker answers with a method frame (type 1).
    ready: async () => (await exchange(5672, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')))?.[0] === 1,
    async start() {
      if (!which('rabbitmq-server')) aptInstall(['rabbitmq-server']);
      const epmdRunning = await portOpen(4369);
      // Debian's wrapper drops to the rabbitmq user, so the broker keeps its own data directory.
      const proc = startDetached('rabbitmq', 'rabbitmq-server', [], {
        RABBITMQ_NODENAME: 'rabbit@localhost',
        RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
        ERL_EPMD_ADDRESS: '127.0.0.1',
        // Erlang distribution listens on every interface unless told otherwise.
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      });
      await waitFor('RabbitMQ', this.ready, { timeoutMs: 90_000, proc });
      return { pid: proc.pid, stopEpmd: !epmdRunning };
    },
    stop(entry) {
      spawnSync('rabbitmqctl', ['-n', 'rabbit@localhost', 'stop'], { stdio: 'ignore', timeout: 30_000 });
      if (entry.stopEpmd) spawnSync('epmd', ['-kill'], { stdio: 'ignore', timeout: 5_000 });
    },
  },
};

export const serviceNames = Object.keys(services);

function readState() {
  try { return JSON.parse(readFileSync(stateFile, 'utf8')); } catch { return {}; }
}

function killGroup(pid) {
  try { process.kill(-pid, 'SIGTERM'); } catch { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
}

/** Starts each named service that is not already answering; returns the names it started. */
export async function up(names = serviceNames) {
  mkdirSync(stateDir, { recursive: true });
  const state = readState();
  const started = [];
  for (const name of names) {
    const svc = services[name];
    if (!svc) throw new Error(`unknown service '${name}'; known: ${serviceNames.join(', ')}`);
    if (await svc.ready()) {
      const note = name === 'jaeger' && process.env.AGENTRACE_JAEGER_CONFIG ? ` as it is (AGENTRACE_JAEGER_CONFIG applies to a Jaeger this script starts: stop the running one first)` : '';
      log(`${name}: already running, reused${note}`);
      continue;
    }
    log(`${name}: starting`);
    state[name] = await svc.start();
    writeFileSync(stateFile, JSON.stringify(state, null, 2));
    started.push(name);
    log(`${name}: ready`);
  }
  return started;
}

/** Stops the named services if (and only if) this script started them. */
export async function down(names = Object.keys(readState())) {
  const state = readState();
  for (const name of names) {
    const entry = state[name];
    if (!entry) continue;
    services[name]?.stop?.(entry);
    killGroup(entry.pid);
    delete state[name];
    log(`${name}: stopped`);
  }
  if (Object.keys(state).length) writeFileSync(stateFile, JSON.stringify(state, null, 2));
  else rmSync(stateFile, { force: true });
}

export async function status() {
  const out = {};
  for (const [name, svc] of Object.entries(services)) out[name] = await svc.ready();
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd = 'status', ...rest] = process.argv.slice(2);
  const names = rest.length ? rest : undefined;
  // `up` prints the names it started (one line), so a script can stop exactly those afterwards.
  const actions = {
    up: async () => console.log((await up(names)).join(' ')),
    down: () => down(names),
    status: async () => console.log(await status()),
    // For tests that run a Jaeger of their own (on other ports) to stop and restart it.
    'jaeger-bin': async () => console.log(jaegerBinary() ?? buildJaeger()),
  };
  if (!actions[cmd]) {
    console.error(`usage: node scripts/services.mjs up|down|status [${serviceNames.join(' ')}] | jaeger-bin`);
    process.exit(2);
  }
  actions[cmd]().catch((e) => { console.error(`[services] ${e.message}`); process.exit(1); });
}
