// Reading back from the test Jaeger what an agent process exported.
import { fetchJaegerTraces, jaegerTraceToTree } from '@agentrace/core/jaeger';
import type { TraceTree } from '@agentrace/testing';

/**
 * The latest `limit` traces of `service` as trees, read again every 500 ms (60 times at most: Jaeger
 * indexes asynchronously) until `complete` says all expected spans are there; the last read otherwise.
 */
export async function readServiceTrees(service: string, limit: number, complete: (trees: TraceTree[]) => boolean): Promise<TraceTree[]> {
  let trees: TraceTree[] = [];
  for (let attempt = 0; attempt < 60; attempt++) {
    trees = (await fetchJaegerTraces({ service, limit })).map(jaegerTraceToTree);
    if (complete(trees)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return trees;
}
