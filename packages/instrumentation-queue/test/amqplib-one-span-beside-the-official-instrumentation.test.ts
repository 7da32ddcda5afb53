import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/beside-official-amqplib.cjs', import.meta.url));

interface Exported {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}

beforeAll(() => {
  // The built packages are what the fixture loads (serialised with the other builds on this machine).
  for (const dir of [packageDir, fileURLToPath(new URL('../../tracer/', import.meta.url))]) {
    execFileSync('flock', ['/tmp/agentrace-build.lock', process.execPath, fileURLToPath(new URL('../../../scripts/build-package.mjs', import.meta.url))], { cwd: dir, stdio: 'pipe' });
  }
}, 300_000);

describe.each(['official-first', 'agentrace-first'])('with @opentelemetry/instrumentation-amqplib registered too (%s)', (order) => {
  it('each message has one PRODUCER and one CONSUMER span, and each run keeps its work in its own trace', () => {
    const out = execFileSync(process.execPath, [fixture, order], { cwd: packageDir, encoding: 'utf8', env: process.env });
    const spans = JSON.parse(out.trim().split('\n').pop()!) as Exported[];
    expect(spans.filter((s) => s.kind === SpanKind.PRODUCER)).toHaveLength(3);
    expect(spans.filter((s) => s.kind === SpanKind.CONSUMER)).toHaveLength(3);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const run of ['r0', 'r1', 'r2']) {
      const work = spans.find((s) => s.name === `work ${run}`)!;
      const consumer = byId.get(work.parentSpanId!)!;
      const producer = byId.get(consumer.parentSpanId!)!;
      expect([consumer.kind, producer.kind]).toEqual([SpanKind.CONSUMER, SpanKind.PRODUCER]);
      expect(byId.get(producer.parentSpanId!)?.name).toBe(`run ${run}`);
    }
  });
});
