// Runs the example as a user would (the agent process, which starts services B and C as processes
// of their own), exporting to the real Jaeger, then reads each request's trace back from Jaeger.
import { fileURLToPath } from 'node:url';
import { fetchJaegerTraces, jaegerTraceToSpans } from '@agentrace/core/jaeger';
import {
  assertExceptionEvent,
  assertNoCrossRunSpans,
  findNode,
  findNodes,
  jaegerQueryUrl,
  otlpTracesEndpoint,
  printedJaegerLinks,
  readabilityProblems,
  tracesBehindLink,
  runProcess,
  traceTreeNodes,
  waitForTrace,
  type ProcessResult,
  type TraceTree,
} from '@agentrace/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const agentService = `example-profile-sync-e2e-${process.pid}-${Date.now()}`;
const services = { agent: agentService, b: `${agentService}-b`, c: `${agentService}-c` };
const redisPrefix = `test:example-profile-sync:${process.pid}:${Date.now()}:`;
const CORRELATION = 'agentrace.correlation_id';

afterAll(async () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function runExample(): Promise<ProcessResult> {
  return runProcess('pnpm', ['exec', 'tsx', '--tsconfig', `${root}tsconfig.test.json`, main], {
    cwd: root,
    env: {
      ...process.env,
      OTEL_SERVICE_NAME: agentService,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpTracesEndpoint(),
      PROFILE_SYNC_REDIS_PREFIX: redisPrefix,
      AGENTRACE_JAEGER_UI: jaegerQueryUrl(),
      FAIL_USER: 'u-2',
    },
  });
}

const serviceOf = (tree: TraceTree) => new Set(traceTreeNodes(tree).map((n) => n.serviceName));

describe('profile-sync example against the real Jaeger', () => {
  it('exports one trace per update request across the agent and services B and C, the failing sync in error where it failed', async () => {
    const run = await runExample();
    expect(run.code, run.stderr).toBe(0);
    const lines = [...run.stdout.matchAll(/^(req-[0-9a-f]{6}-\d+) (u-\d+): (synced|FAILED).*; trace ([0-9a-f]{32})$/gm)];
    expect(lines.map((m) => m[1]!.replace(/-[0-9a-f]{6}-/, '-')), run.stdout).toEqual(['req-1', 'req-2', 'req-3']);

    const traces = new Map<string, TraceTree>();
    for (const [, requestId, userId, outcome, traceId] of lines) {
      // Wait until the spans of all three processes have arrived: the agent's root and both SERVER spans.
      const tree = await waitForTrace({
        traceId: traceId!,
        timeoutMs: 45_000,
        until: (t) => serviceOf(t).size === 3 && findNodes(t, { kind: 'SERVER', name: 'POST' }).length === 2 && t.roots.some((r) => r.name === 'invoke_agent profile-sync'),
      });
      traces.set(requestId!, tree);

      // One trace, one root: the run in the agent; B and C continue it (no trace of their own).
      expect(tree.roots.map((r) => [r.name, r.serviceName])).toEqual([['invoke_agent profile-sync', services.agent]]);
      expect(serviceOf(tree)).toEqual(new Set(Object.values(services)));
      for (const node of traceTreeNodes(tree)) expect(node.attributes[CORRELATION], `${node.name} in ${node.serviceName}`).toBe(requestId);
      for (const [name, service] of [['B', services.b], ['C', services.c]] as const) {
        const server = findNodes(tree, { kind: 'SERVER', name: 'POST' }).find((n) => n.serviceName === service)!;
        expect(server, `SERVER span of ${name}`).toBeDefined();
        // The SERVER span sits under the agent's CLIENT span of the matching `sync to X` step, and
        // the service's own `apply profile` step under it.
        const client = findNode(tree, `sync to ${name}`).children.find((n) => n.kind === 'CLIENT');
        expect(server.parentSpanId, `${name}'s SERVER span under the CLIENT span of "sync to ${name}"`).toBe(client?.spanId);
        expect(server.children.map((n) => n.name)).toEqual(['apply profile']);
      }

      const errors = traceTreeNodes(tree).filter((n) => n.status.code === 'ERROR');
      if (userId !== 'u-2') {
        expect(outcome).toBe('synced');
        expect(errors, `no span in error in the trace of ${requestId}`).toEqual([]);
        expect(findNodes(tree, 'update cache')).toHaveLength(1);
        continue;
      }
      // The failing request: the failure is in service C's `apply profile` step, seen as a 500 by the
      // agent's `sync to C`; B's side is fine, and the cache was not updated.
      expect(outcome).toBe('FAILED');
      const cApply = findNodes(tree, 'apply profile').find((n) => n.serviceName === services.c)!;
      expect(cApply.status.code).toBe('ERROR');
      assertExceptionEvent(cApply, 'Error', { message: /service C rejects the profile of u-2/ });
      const cServer = findNodes(tree, { kind: 'SERVER', name: 'POST' }).find((n) => n.serviceName === services.c)!;
      expect(cServer.status.code).toBe('ERROR');
      expect(cServer.attributes['http.response.status_code']).toBe(500);
      expect(findNode(tree, 'sync to C').status.code).toBe('ERROR');
      assertExceptionEvent(findNode(tree, 'sync to C'), 'Error', { message: /service C answered 500/ });
      expect(findNode(tree, 'sync to B').status.code).not.toBe('ERROR');
      expect(findNodes(tree, 'apply profile').find((n) => n.serviceName === services.b)!.status.code).not.toBe('ERROR');
      expect(findNodes(tree, 'update cache')).toEqual([]);
      expect(new Set(errors.map((n) => `${n.serviceName}:${n.name}`))).toEqual(
        new Set([
          `${services.agent}:invoke_agent profile-sync`,
          `${services.agent}:sync to C`,
          `${services.agent}:POST`,
          `${services.c}:POST`,
          `${services.c}:apply profile`,
        ]),
      );
    }
    assertNoCrossRunSpans([...traces.values()], { oneTracePerRun: true });

    // What a person clicks: each request's trace link and correlation-id search lead to its trace, and
    // the trace reads right (children within parents, each failure's exception once, GenAI only on GenAI spans).
    const links = printedJaegerLinks(run.stdout);
    expect(links.traces.map((l) => l.slice(-32))).toEqual(lines.map((m) => m[4]));
    for (const [i, search] of links.searches.entries()) {
      expect((await tracesBehindLink(search)).map((t) => t.traceID.padStart(32, '0'))).toEqual([lines[i]![4]]);
    }
    const stored = await fetchJaegerTraces({ traceIds: lines.map((m) => m[4]!) });
    expect(readabilityProblems(stored.flatMap((t) => jaegerTraceToSpans(t)))).toEqual([]);
    // One failure, one exception event: on service C's `apply profile`, where it was raised. The
    // agent's `sync to C` fails with an error of its own (C answered 500), recorded once there too.
    const failedTrace = stored.find((t) => t.traceID.padStart(32, '0') === lines.find((m) => m[2] === 'u-2')![4])!;
    const withException = jaegerTraceToSpans(failedTrace).filter((s) => s.events.some((e) => e.name === 'exception')).map((s) => s.name).sort();
    expect(withException).toEqual(['apply profile', 'sync to C']);

    // Services B and C made no trace of their own: every trace Jaeger holds for them is a request's.
    const wanted = new Set(lines.map((m) => m[4]));
    for (const service of [services.b, services.c]) {
      const stored = await fetchJaegerTraces({ service, limit: 50 });
      expect(new Set(stored.map((t) => t.traceID.padStart(32, '0')))).toEqual(wanted);
    }
  }, 120_000);
});

