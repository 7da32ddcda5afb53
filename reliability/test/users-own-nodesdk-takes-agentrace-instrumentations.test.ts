// A user who already runs OpenTelemetry's NodeSDK adds agentrace's instrumentation classes to it, with
// no @agentrace/tracer: decorated code, an HTTP call and a RabbitMQ message make one trace in Jaeger.
import { jaegerQueryUrl } from '@agentrace/core/jaeger';
import { otlpTracesEndpoint, traceTreeNodes, waitForTrace } from '@agentrace/testing';
import { expect, it } from 'vitest';
import { runAgentScript } from './utils/run-agent.js';

it('decorated code, an HTTP call and a RabbitMQ message are one trace in Jaeger', async () => {
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const service = `users-own-nodesdk-${id}`;
  const { code, stdout, stderr } = await runAgentScript('users-own-nodesdk-agent.ts', { SERVICE_NAME: service, OTLP_TRACES_URL: otlpTracesEndpoint(), QUEUE: `nodesdk-${id}` }, 60_000);
  expect(code, stderr).toBe(0);
  const traceId = /trace ([0-9a-f]{32})/.exec(stdout)?.[1];
  expect(traceId, stdout).toBeDefined();

  const tree = await waitForTrace({ traceId: traceId!, minSpans: 6, jaegerUrl: jaegerQueryUrl() });
  expect(tree.roots).toHaveLength(1);
  const spans = traceTreeNodes(tree);
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
