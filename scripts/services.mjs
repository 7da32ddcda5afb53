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
//   node scripts/services.mjs jaeger-ui                     print the Jaeger UI assets' directory (fetched if missing)
//
// A Jaeger built from source serves a placeholder page instead of the UI. Jaeger serves the real UI
// from a directory (`extensions.jaeger_query.ui.assets_path`): AGENTRACE_JAEGER_UI_DIR names one, else
// the jaeger-ui release assets matching the Jaeger version are used from the cache, fetched there
// once where the machine is online (not under CI=true, nor with AGENTRACE_JAEGER_UI_FETCH=0).
//
// Jaeger's configuration is scripts/jaeger-config.yaml (in-memory storage, loopback ports). With
// AGENTRACE_JAEGER_CONFIG, a comma-separated list of overlays is merged over it, each a name in
// scripts/jaeger/ or a path: `badger` (traces on disk in AGENTRACE_JAEGER_DATA_DIR, default
// .services/jaeger-data, surviving restarts), `tail-sampling` (keep failed, slow and flagged traces and
// a share of the rest). Example: AGENTRACE_JAEGER_CONFIG=badger,tail-sampling node scripts/services.mjs up jaeger
//
// Logs are kept in .services/logs/ so a failing run can be read afterwards.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = join(repo, '.services');
const logDir = join(stateDir, 'logs');
const stateFile = join(stateDir, 'started.json');
const cacheDirOf = (env) => env.AGENTRACE_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'agentrace');
const cacheDir = cacheDirOf(process.env);

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

// Jaeger's build embeds the jaeger-ui release its submodule pins (scripts/build/rebuild-ui.sh there
// downloads that tag's assets.tar.gz): v1.(minor + 63) for Jaeger v2.0 to v2.13, released in step
// with Jaeger v1.x, and the same v2.x tag from v2.14 on. A patch release may keep the minor's UI.
const JAEGER_UI_URL = 'https://github.com/jaegertracing/jaeger-ui/releases/download/{version}/assets.tar.gz';

/** The jaeger-ui release tags to try for a Jaeger version (`v2.20.0`), best first. */
export function jaegerUiTags(jaegerVersion) {
  const m = /^v?2\.(\d+)\.(\d+)/.exec(jaegerVersion ?? '');
  if (!m) return [];
  const minor = Number(m[1]);
  const line = minor >= 14 ? `v2.${minor}` : `v1.${minor + 63}`;
  return [...new Set([`${line}.${m[2]}`, `${line}.0`])];
}

/** The Jaeger version of a binary: AGENTRACE_JAEGER_VERSION, the build's cache folder, or `jaeger version`. */
function jaegerVersionOf(bin, env = process.env) {
  if (env.AGENTRACE_JAEGER_VERSION) return env.AGENTRACE_JAEGER_VERSION;
  const label = JAEGER_BUILDS.find((b) => resolve(bin) === join(cacheDirOf(env), 'jaeger', b.label, 'jaeger'))?.label;
  if (label) return label;
  const out = spawnSync(bin, ['version'], { encoding: 'utf8', timeout: 10_000 });
  return /"gitVersion":"(v?[\d.]+)"/.exec(out.stdout ?? '')?.[1] ?? null;
}

const hasIndex = (dir) => existsSync(join(dir, 'index.html'));

/** Downloads a jaeger-ui assets tarball and unpacks its build (the folder with index.html) to `dest`. */
async function downloadJaegerUi(url, dest) {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const tarball = join(tmp, 'assets.tar.gz');
    writeFileSync(tarball, body);
    const tar = spawnSync('tar', ['xzf', tarball], { cwd: tmp, encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`tar could not unpack it: ${(tar.stderr || tar.error?.message || '').trim()}`);
    rmSync(tarball);
    // The release tarball holds packages/jaeger-ui/build/; a plain build folder is taken too.
    const build = ['packages/jaeger-ui/build', 'build', '.'].map((d) => join(tmp, d)).find(hasIndex);
    if (!build) throw new Error('no index.html in it');
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(build, dest);
    return dest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The directory of Jaeger UI assets to serve, or null for the binary's built-in page:
 * AGENTRACE_JAEGER_UI_DIR; else the cached jaeger-ui release for `jaegerVersion`; else that release
 * fetched into the cache (AGENTRACE_JAEGER_UI_URL overrides the address, `{version}` standing for the
 * tag) unless CI=true or AGENTRACE_JAEGER_UI_FETCH=0 (=1 fetches under CI too). Offline, one line says
 * so and Jaeger starts all the same.
 */
export async function jaegerUiDir(jaegerVersion, env = process.env) {
  if (env.AGENTRACE_JAEGER_UI_DIR) {
    const dir = resolve(env.AGENTRACE_JAEGER_UI_DIR);
    if (!hasIndex(dir)) throw new Error(`AGENTRACE_JAEGER_UI_DIR=${dir} has no index.html: point it at a built jaeger-ui (the folder holding index.html and static/)`);
    return dir;
  }
  const tags = jaegerUiTags(jaegerVersion);
  const cached = join(cacheDirOf(env), 'jaeger-ui');
  for (const tag of tags) if (hasIndex(join(cached, tag))) return join(cached, tag);
  const fetchWanted = env.AGENTRACE_JAEGER_UI_FETCH === '1' || (env.AGENTRACE_JAEGER_UI_FETCH !== '0' && !env.CI);
  if (!fetchWanted) return null;
  if (!tags.length) {
    log(`Jaeger UI: the Jaeger version is unknown, so no matching jaeger-ui to fetch; set AGENTRACE_JAEGER_VERSION or AGENTRACE_JAEGER_UI_DIR`);
    return null;
  }
  const failures = [];
  for (const tag of tags) {
    const url = (env.AGENTRACE_JAEGER_UI_URL ?? JAEGER_UI_URL).replaceAll('{version}', tag);
    try {
      log(`Jaeger UI: fetching ${url}`);
      return await downloadJaegerUi(url, join(cached, tag));
    } catch (e) {
      failures.push(`${url}: ${e.cause?.code ?? e.message}`);
    }
  }
  log(`Jaeger UI: could not fetch jaeger-ui ${tags[0]} (${failures.join('; ')}); Jaeger serves its placeholder page. Set AGENTRACE_JAEGER_UI_DIR to a built jaeger-ui to serve it.`);
  return null;
}

/**
 * Jaeger's arguments: the base config, and when there are UI assets a second config generated beside
 * `stateIn` that only sets `extensions.jaeger_query.ui.assets_path` (Jaeger merges the two).
 */
export function jaegerArgs(baseConfig, uiDir, stateIn = stateDir) {
  const args = ['--config', baseConfig];
  if (uiDir) {
    mkdirSync(stateIn, { recursive: true });
    const overlay = join(stateIn, 'jaeger-ui.yaml');
    // JSON is YAML, and needs no quoting rules for the path.
    writeFileSync(overlay, `${JSON.stringify({ extensions: { jaeger_query: { ui: { assets_path: uiDir } } } }, null, 2)}\n`);
    args.push('--config', overlay);
  }
  return args;
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
      const ui = await jaegerUiDir(jaegerVersionOf(bin));
      if (ui) log(`jaeger: serving the Jaeger UI from ${ui}`);
      // The UI's config goes last, over the base config and the chosen overlays.
      const uiArgs = jaegerArgs(join(repo, 'scripts', 'jaeger-config.yaml'), ui).slice(2);
      const proc = startDetached('jaeger', bin, [...launch.args, ...uiArgs], launch.env);
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
    // Fetches when missing even under CI (AGENTRACE_JAEGER_UI_FETCH=0 still forbids it).
    'jaeger-ui': async () => {
      const bin = jaegerBinary() ?? buildJaeger();
      const env = { AGENTRACE_JAEGER_UI_FETCH: '1', ...process.env };
      const dir = await jaegerUiDir(jaegerVersionOf(bin, env), env);
      if (!dir) throw new Error('no Jaeger UI assets (see the line above)');
      console.log(dir);
    },
  };
  if (!actions[cmd]) {
    console.error(`usage: node scripts/services.mjs up|down|status [${serviceNames.join(' ')}] | jaeger-bin | jaeger-ui`);
    process.exit(2);
  }
  actions[cmd]().catch((e) => { console.error(`[services] ${e.message}`); process.exit(1); });
}
