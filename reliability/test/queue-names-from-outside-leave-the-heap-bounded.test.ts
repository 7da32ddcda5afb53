// Issue 15, bounded caches: every map keyed by something from outside is bounded. An RPC-style agent
// (reliability/src/queue-names-agent.ts, its own process, with GC exposed) sees 100,000 distinct queue
// names, each once: replies to 50,000 callers' own amqplib reply queues and one job on each of 50,000
// BullMQ queues. After a full GC its heap is where it was once the first 2,000 of each were seen; with
// the backlog-source map unbounded, as it was, the same run grew it by about 320 bytes per name (32 MB).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runAgentScript } from './utils/run-agent.js';

describe('queue names from outside', () => {
  it('100,000 distinct amqplib reply queues and BullMQ queues leave the heap bounded after GC', async () => {
    const agent = await runAgentScript('queue-names-agent.ts', { NAMES: '50000', WARMUP: '2000', PREFIX: `names-${process.pid}-${randomBytes(3).toString('hex')}` }, 240_000);
    expect(agent.code, agent.stderr).toBe(0);
    const result = JSON.parse(agent.stdout.split('\n').find((l) => l.startsWith('result '))!.slice(7)) as { growth: number };
    // 96,000 names after the warm-up: 4 MB is 42 bytes a name, an eighth of what one remembered name costs.
    expect(result.growth).toBeLessThan(4 * 1024 * 1024);
  }, 300_000);
});
