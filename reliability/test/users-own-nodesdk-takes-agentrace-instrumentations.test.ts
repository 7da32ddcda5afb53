// A user who already runs OpenTelemetry's NodeSDK adds agentrace's instrumentation classes to it, with
// no @agentrace/tracer: decorated code, an HTTP call and a RabbitMQ message make one trace in Jaeger.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jaegerQueryUrl } from '@agentrace/core/jaeger';
import { otlpTracesEndpoint, waitForTrace, type TraceTreeNode } from '@agentrace/testing';
import { expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));

function flatten(nodes: readonly TraceTreeNode[]): TraceTreeNode[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}

it('decorated code, an HTTP call and a RabbitMQ message are one trace in Jaeger', async () => {
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const service = `users-own-nodesdk-${id}`;
  const { stdout } = await promisify(execFile)(
    `${repo}node_modules/.bin/tsx`,
    ['--tsconfig', `${repo}tsconfig.test.json`, `${repo}reliability/src/users-own-nodesdk-agent.ts`],
    {
      cwd: repo,
      env: { ...process.env, SERVICE_NAME: service, OTLP_TRACES_URL: otlpTracesEndpoint(), QUEUE: `nodesdk-${id}` },
      timeout: 60_000,
    },
  );
  const traceId = /trace ([0-9a-f]{32})/.exec(stdout)?.[1];
  expect(traceId, stdout).toBeDefined();

  const tree = await waitForTrace({ traceId: traceId!, minSpans: 6, jaegerUrl: jaegerQueryUrl() });
  expect(tree.roots).toHaveLength(1);
  const spans = flatten(tree.roots);
  const byKind = (kind: string) => spans.filter((s) => s.kind === kind).map((s) => s.name);
  expect(tree.roots[0]!.name).toBe('invoke_agent handle upgrade');
  expect(byKind('CLIENT')).toHaveLength(1);
  expect(byKind('SERVER')).toHaveLength(1);
  expect(byKind('PRODUCER')).toHaveLength(1);
  expect(byKind('CONSUMER')).toHaveLength(1);
  expect(spans.map((s) => s.name)).toContain('process upgrade');
  // Every span, HTTP and queue ones included, carries the run's correlation id.
  const ids = new Set(spans.map((s) => s.attributes['agentrace.correlation_id']));
  expect(ids.size).toBe(1);
  expect([...ids][0]).toMatch(/^nodesdk-\d+$/);
});
