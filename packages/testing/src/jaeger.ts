import type { TraceTree } from '@agentrace/core';
import {
  fetchJaegerTraces,
  jaegerTraceToSpans as decodeJaegerTrace,
  jaegerQueryUrl,
  jaegerTraceToTree,
  type JaegerTrace,
} from '@agentrace/core/jaeger';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { printTraces } from './queries.js';
import type { WaitForTraceOptions } from './types.js';

/**
 * A trace from Jaeger's query API (an element of `data`) as finished SDK spans, so they work with
 * every query and assertion of the kit. Decoded by `@agentrace/core/jaeger` (kind, status, scope,
 * events and service read back from Jaeger's tags; ids at full width; arrays back from JSON text;
 * an int64 past 2^53 as its exact digits); only the resource becomes an SDK `Resource`.
 */
export function jaegerTraceToSpans(trace: JaegerTrace): ReadableSpan[] {
  return decodeJaegerTrace(trace).map((span) => ({ ...span, resource: resourceFromAttributes(span.resource.attributes) }));
}

/** Fetches one trace by id from Jaeger as a tree, or undefined if Jaeger does not have it (yet). */
export async function fetchJaegerTrace(traceId: string, jaegerUrl?: string): Promise<TraceTree | undefined> {
  const [trace] = await fetchJaegerTraces({ traceIds: [traceId], baseUrl: jaegerUrl });
  return trace ? jaegerTraceToTree(trace) : undefined;
}

function spanCount(tree: TraceTree): number {
  let count = 0;
  const visit = (nodes: TraceTree['roots']): void => {
    for (const node of nodes) {
      count++;
      visit(node.children);
    }
  };
  visit(tree.roots);
  return count;
}

function rootMatches(tree: TraceTree, root: string | RegExp | undefined): boolean {
  if (root === undefined) return true;
  return tree.roots.some((node) => node.parentSpanId === undefined && (root instanceof RegExp ? root.test(node.name) : node.name === root));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls Jaeger's query API with backoff until a trace of the service (or the trace with this id)
 * has the expected root span and conditions, then returns it as a trace tree. The newest matching
 * trace wins. On timeout the error prints what Jaeger had.
 */
export async function waitForTrace({
  service,
  traceId,
  root,
  minSpans = 1,
  until,
  timeoutMs = 30_000,
  jaegerUrl,
  limit = 20,
}: WaitForTraceOptions): Promise<TraceTree> {
  if (service === undefined && traceId === undefined) {
    throw new TypeError('waitForTrace needs `service` (a service name to search) or `traceId`; got neither.');
  }
  const query = traceId !== undefined ? { traceIds: [traceId] } : { service, limit };
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  let seen: TraceTree[] = [];
  let lastError: unknown;
  for (;;) {
    try {
      seen = (await fetchJaegerTraces({ ...query, baseUrl: jaegerUrl })).map(jaegerTraceToTree);
      lastError = undefined;
      const found = seen
        .filter((tree) => rootMatches(tree, root) && spanCount(tree) >= minSpans && (until === undefined || until(tree)))
        .sort((a, b) => (b.roots[0]?.startTimeMs ?? 0) - (a.roots[0]?.startTimeMs ?? 0));
      if (found[0]) return found[0];
    } catch (error) {
      // A bad argument (or a bug in `until`) will not get better by waiting.
      if (error instanceof TypeError) throw error;
      lastError = error;
    }
    if (Date.now() + delay > deadline) break;
    await sleep(delay);
    delay = Math.min(delay * 1.5, 2000);
  }
  const wanted = [
    traceId ? `trace ${traceId}` : `a trace of service "${service}"`,
    root !== undefined ? `with root "${String(root)}"` : '',
    minSpans > 1 ? `and at least ${minSpans} spans` : '',
    until ? 'satisfying `until`' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const had = lastError
    ? `the last request failed: ${lastError instanceof Error ? lastError.message : String(lastError)}`
    : `Jaeger had ${seen.length} trace${seen.length === 1 ? '' : 's'}:\n\n${printTraces(seen, { durations: false })}`;
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${wanted} at ${jaegerUrl ?? jaegerQueryUrl()}; ${had}`);
}
