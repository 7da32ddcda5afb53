// Child-process apps importing the BUILT packages (run `pnpm build` first): an ESM app and a
// CommonJS app that load node:http before tracing starts, with no loader hook.
import { startOtlpReceiver, type OtlpReceiver } from '@agentrace/testing';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTraceparent } from './utils/server.js';

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const packages = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(`${packages}instrumentation-http/dist/esm/index.js`) && existsSync(`${packages}instrumentation-http/dist/cjs/index.js`);

let receiver: OtlpReceiver;
beforeAll(async () => {
  if (!built) throw new Error('packages/instrumentation-http is not built: run `pnpm build` before this test');
  receiver = await startOtlpReceiver();
});
afterAll(async () => receiver?.close());

async function runApp(file: string, serviceName: string): Promise<{ rootTraceId: string; seen: (string | null)[] }> {
  const { stdout } = await run(process.execPath, [`${fixtures}${file}`], {
    env: {
      ...process.env,
      OTEL_SERVICE_NAME: serviceName,
      AGENTRACE_TEST_OTLP_URL: receiver.url,
      AGENTRACE_TRACER_ENTRY_ESM: `${packages}tracer/dist/esm/index.js`,
      AGENTRACE_TRACER_ENTRY_CJS: `${packages}tracer/dist/cjs/index.js`,
    },
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { rootTraceId: string; seen: (string | null)[] };
}

describe.each([
  ['ESM', 'traced-app.mjs', 5],
  ['CommonJS', 'traced-app.cjs', 4],
])('%s app', (_label, file, calls) => {
  it('every call is a CLIENT span under the run, every request a SERVER span under its CLIENT span', async () => {
    const serviceName = `http-${file.replace('.', '-')}-${process.pid}-${Date.now()}`;
    const { rootTraceId, seen } = await runApp(file, serviceName);
    const spans = receiver.spans().filter((s) => s.serviceName === serviceName);
    const clients = spans.filter((s) => s.attributes['url.full'] !== undefined);
    // undici's CLIENT spans carry url.path too; SERVER spans carry url.path and no url.full.
    const servers = spans.filter((s) => s.attributes['url.path'] !== undefined && s.attributes['url.full'] === undefined);
    const root = spans.find((s) => s.parentSpanId === undefined && s.attributes['url.full'] === undefined && s.attributes['url.path'] === undefined)!;
    expect(root.traceId).toBe(rootTraceId);

    expect(seen).toHaveLength(calls);
    // A CommonJS `const { request } = require('node:http')` taken before init() keeps the unpatched
    // function (CommonJS bindings are copies); the ESM named import is live and is traced.
    const traced = file.endsWith('.cjs') ? seen.filter((_, i) => i !== 1) : seen;
    if (file.endsWith('.cjs')) expect(seen[1]).toBeNull();
    expect(clients).toHaveLength(traced.length);
    expect(servers).toHaveLength(seen.length); // the untraced call still reaches a traced server: a new trace
    for (const header of traced) {
      const tp = parseTraceparent(header)!;
      expect(tp.traceId).toBe(rootTraceId);
      const client = clients.find((c) => c.spanId === tp.spanId)!;
      expect(client.parentSpanId).toBe(root.spanId);
      expect(servers.find((s) => s.parentSpanId === client.spanId)).toBeDefined();
    }
    // The export itself made no span: everything received is the app's.
    expect(clients.every((c) => !String(c.attributes['url.full']).includes('/v1/traces'))).toBe(true);
  });
});
