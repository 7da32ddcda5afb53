// scripts/services.mjs and the Jaeger UI: the assets come from AGENTRACE_JAEGER_UI_DIR, or from the
// jaeger-ui release matching the Jaeger version, fetched once into the cache (here from a local HTTP
// server serving a release-shaped assets.tar.gz, through AGENTRACE_JAEGER_UI_URL). Under CI nothing is
// fetched unless asked; offline, one line says so and Jaeger starts with its placeholder. A real
// Jaeger (its own ports) started with the generated config serves the assets at / and /static/.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jaegerArgs, jaegerUiDir, jaegerUiTags } from '../../../scripts/services.mjs';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
// Ports of this test's own: the release server, and a Jaeger beside the shared one.
const SERVER_PORT = 32050;
const CLOSED_PORT = 32059;
const JAEGER = { health: 32033, query: 32086, grpcQuery: 32085, otlpGrpc: 32017, otlpHttp: 32018 };
const MARKER = 'agentrace test jaeger-ui build';

let scratch: string;
let server: Server;
let tarball: Buffer;
const requests: string[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'agentrace-jaeger-ui-'));
  // Shaped like a jaeger-ui release's assets.tar.gz: the build under packages/jaeger-ui/build/.
  const build = join(scratch, 'release', 'packages', 'jaeger-ui', 'build');
  mkdirSync(join(build, 'static'), { recursive: true });
  writeFileSync(join(build, 'index.html'), `<!doctype html><html><head><base href="/" /></head><body>${MARKER}</body></html>\n`);
  writeFileSync(join(build, 'static', 'main-1a2b.js'), 'console.log("jaeger-ui");\n');
  execFileSync('tar', ['czf', join(scratch, 'assets.tar.gz'), 'packages'], { cwd: join(scratch, 'release') });
  tarball = readFileSync(join(scratch, 'assets.tar.gz'));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/v2.20.0/assets.tar.gz' || req.url === '/v1.76.0/assets.tar.gz') {
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(tarball);
    } else res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((done) => server.listen(SERVER_PORT, '127.0.0.1', done));
});

afterAll(async () => {
  await new Promise((done) => server?.close(done));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  AGENTRACE_JAEGER_UI_URL: `http://127.0.0.1:${SERVER_PORT}/{version}/assets.tar.gz`,
  ...extra,
});

describe('which jaeger-ui release matches a Jaeger version', () => {
  it('is the v1.x release made with Jaeger v2.0 to v2.13, the same v2.x tag from v2.14 on, a patch falling back to the minor', () => {
    expect(jaegerUiTags('v2.13.0')).toEqual(['v1.76.0']);
    expect(jaegerUiTags('v2.0.0')).toEqual(['v1.63.0']);
    expect(jaegerUiTags('v2.20.0')).toEqual(['v2.20.0']);
    expect(jaegerUiTags('2.14.1')).toEqual(['v2.14.1', 'v2.14.0']);
    expect(jaegerUiTags('v1.76.0')).toEqual([]);
    expect(jaegerUiTags(null)).toEqual([]);
  });
});

describe('where the assets come from', () => {
  it('fetches the matching release once into the cache, unpacking its build folder', async () => {
    const cache = join(scratch, 'cache-fetch');
    const before = requests.length;
    const dir = await jaegerUiDir('v2.20.0', env({ AGENTRACE_CACHE_DIR: cache }));
    expect(dir).toBe(join(cache, 'jaeger-ui', 'v2.20.0'));
    expect(readFileSync(join(dir!, 'index.html'), 'utf8')).toContain(MARKER);
    expect(existsSync(join(dir!, 'static', 'main-1a2b.js'))).toBe(true);
    // The second time it is the cache: no request.
    expect(await jaegerUiDir('v2.20.0', env({ AGENTRACE_CACHE_DIR: cache }))).toBe(dir);
    expect(requests.slice(before)).toEqual(['/v2.20.0/assets.tar.gz']);
  });

  it("falls back from a patch release's tag to its minor's", async () => {
    const before = requests.length;
    const dir = await jaegerUiDir('v2.13.2', env({ AGENTRACE_CACHE_DIR: join(scratch, 'cache-patch') }));
    expect(dir).toBe(join(scratch, 'cache-patch', 'jaeger-ui', 'v1.76.0'));
    expect(requests.slice(before)).toEqual(['/v1.76.2/assets.tar.gz', '/v1.76.0/assets.tar.gz']);
  });

  it('fetches nothing under CI, or with AGENTRACE_JAEGER_UI_FETCH=0, unless AGENTRACE_JAEGER_UI_FETCH=1', async () => {
    const before = requests.length;
    expect(await jaegerUiDir('v2.20.0', env({ AGENTRACE_CACHE_DIR: join(scratch, 'cache-ci'), CI: 'true' }))).toBeNull();
    expect(await jaegerUiDir('v2.20.0', env({ AGENTRACE_CACHE_DIR: join(scratch, 'cache-ci'), AGENTRACE_JAEGER_UI_FETCH: '0' }))).toBeNull();
    expect(requests.length).toBe(before);
    const dir = await jaegerUiDir('v2.20.0', env({ AGENTRACE_CACHE_DIR: join(scratch, 'cache-ci'), CI: 'true', AGENTRACE_JAEGER_UI_FETCH: '1' }));
    expect(dir).toBe(join(scratch, 'cache-ci', 'jaeger-ui', 'v2.20.0'));
  });

  it('offline, says so in one line naming AGENTRACE_JAEGER_UI_DIR, and returns null for the placeholder', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const dir = await jaegerUiDir('v2.20.0', env({ AGENTRACE_CACHE_DIR: join(scratch, 'cache-offline'), AGENTRACE_JAEGER_UI_URL: `http://127.0.0.1:${CLOSED_PORT}/{version}/assets.tar.gz` }));
      expect(dir).toBeNull();
    } finally {
      spy.mockRestore();
    }
    const complaint = lines.filter((line) => line.includes('could not fetch'));
    expect(complaint).toHaveLength(1);
    expect(complaint[0]).toContain('ECONNREFUSED');
    expect(complaint[0]).toContain('AGENTRACE_JAEGER_UI_DIR');
    expect(existsSync(join(scratch, 'cache-offline', 'jaeger-ui', 'v2.20.0'))).toBe(false);
  });

  it('serves the directory AGENTRACE_JAEGER_UI_DIR names, and refuses one without index.html', async () => {
    const given = join(scratch, 'release', 'packages', 'jaeger-ui', 'build');
    const before = requests.length;
    expect(await jaegerUiDir('v2.20.0', env({ AGENTRACE_JAEGER_UI_DIR: given, AGENTRACE_CACHE_DIR: join(scratch, 'cache-given') }))).toBe(given);
    await expect(jaegerUiDir('v2.20.0', env({ AGENTRACE_JAEGER_UI_DIR: join(scratch, 'release') }))).rejects.toThrow(/has no index\.html: point it at a built jaeger-ui/);
    expect(requests.length).toBe(before);
  });
});

describe('a real Jaeger started with the generated config', () => {
  let jaeger: ChildProcess | undefined;
  afterAll(() => {
    if (jaeger?.pid && jaeger.exitCode === null) jaeger.kill('SIGTERM');
  });

  it('serves the assets at / and /static/, and its query API as before', async () => {
    const bin = execFileSync(process.execPath, [join(repo, 'scripts', 'services.mjs'), 'jaeger-bin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    const ui = await jaegerUiDir('v2.20.0', env({ AGENTRACE_CACHE_DIR: join(scratch, 'cache-fetch') }));
    // The repo's config on this test's ports; the UI part is the generated second config.
    const base = join(scratch, 'jaeger-config.yaml');
    writeFileSync(
      base,
      readFileSync(join(repo, 'scripts', 'jaeger-config.yaml'), 'utf8')
        .replace('127.0.0.1:13133', `127.0.0.1:${JAEGER.health}`)
        .replace('127.0.0.1:16686', `127.0.0.1:${JAEGER.query}`)
        .replace('127.0.0.1:16685', `127.0.0.1:${JAEGER.grpcQuery}`)
        .replace('127.0.0.1:4317', `127.0.0.1:${JAEGER.otlpGrpc}`)
        .replace('127.0.0.1:4318', `127.0.0.1:${JAEGER.otlpHttp}`),
    );
    const args = jaegerArgs(base, ui, join(scratch, 'state'));
    expect(JSON.parse(readFileSync(args[3]!, 'utf8'))).toEqual({ extensions: { jaeger_query: { ui: { assets_path: ui } } } });
    const log = openSync(join(scratch, 'jaeger.log'), 'a');
    jaeger = spawn(bin, args, { stdio: ['ignore', log, log] });
    const url = `http://127.0.0.1:${JAEGER.query}`;
    const deadline = Date.now() + 60_000;
    let index = '';
    while (Date.now() < deadline && jaeger.exitCode === null) {
      index = await fetch(`${url}/`).then((r) => (r.ok ? r.text() : ''), () => '');
      if (index) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(index, readFileSync(join(scratch, 'jaeger.log'), 'utf8').slice(-2000)).toContain(MARKER);
    expect(await fetch(`${url}/static/main-1a2b.js`).then((r) => r.text())).toBe('console.log("jaeger-ui");\n');
    // A UI route is the app's index too (the UI routes in the browser).
    expect(await fetch(`${url}/search`).then((r) => r.text())).toContain(MARKER);
    expect((await fetch(`${url}/api/services`)).ok).toBe(true);
  }, 120_000);
});
