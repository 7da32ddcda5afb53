import { buildTraceTrees, formatTraceTree, type TraceTree, type TraceTreeNode } from '@agentrace/core';
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_CORRELATION_ID } from './semconv.js';
import { factsOf, KIND_NAMES, nodesOf, spansOf, type SpanFacts } from './span-view.js';
import type { SpanQuery, SpanSource } from './types.js';

function valueMatches(expected: AttributeValue | RegExp | undefined, actual: AttributeValue | undefined): boolean {
  if (expected === undefined) return actual === undefined;
  if (expected instanceof RegExp) return typeof actual === 'string' && expected.test(actual);
  if (Array.isArray(expected)) return Array.isArray(actual) && JSON.stringify(expected) === JSON.stringify(actual);
  return expected === actual;
}

function matches(facts: SpanFacts, query: SpanQuery | string): boolean {
  if (typeof query === 'string') return facts.name === query;
  if (query.name !== undefined && (query.name instanceof RegExp ? !query.name.test(facts.name) : query.name !== facts.name)) return false;
  if (query.kind !== undefined && (typeof query.kind === 'number' ? KIND_NAMES[query.kind] : query.kind) !== facts.kind) return false;
  if (query.status !== undefined && query.status !== facts.status) return false;
  if (query.traceId !== undefined && query.traceId !== facts.traceId) return false;
  for (const key of Object.keys(query.attributes ?? {})) {
    if (!valueMatches(query.attributes![key], facts.attributes[key])) return false;
  }
  return true;
}

function describeQuery(query: SpanQuery | string): string {
  if (typeof query === 'string') return `named "${query}"`;
  const parts = Object.entries(query).map(([key, value]) =>
    `${key} ${value instanceof RegExp ? String(value) : JSON.stringify(value, (_k, v: unknown) => (v instanceof RegExp ? String(v) : v))}`,
  );
  return parts.length ? `with ${parts.join(', ')}` : '(any)';
}

function one<T>(found: T[], query: SpanQuery | string, all: readonly (ReadableSpan | TraceTreeNode)[]): T {
  if (found.length === 1) return found[0] as T;
  const names = [...new Set(all.map((s) => s.name))].map((n) => `"${n}"`).join(', ') || 'none';
  throw new Error(`Expected exactly one span ${describeQuery(query)}, found ${found.length}. Span names present: ${names}.`);
}

/** Finished spans matching the query (a string matches the name). */
export function findSpans(source: SpanSource, query: SpanQuery | string = {}): ReadableSpan[] {
  return spansOf(source).filter((span) => matches(factsOf(span), query));
}

/** The one finished span matching the query; throws, naming the spans present, if there are none or several. */
export function findSpan(source: SpanSource, query: SpanQuery | string): ReadableSpan {
  const all = spansOf(source);
  return one(findSpans(all, query), query, all);
}

/** Nodes of a trace tree (or several) matching the query, depth first. */
export function findNodes(trees: TraceTree | readonly TraceTree[], query: SpanQuery | string = {}): TraceTreeNode[] {
  return nodesOf(Array.isArray(trees) ? trees : [trees as TraceTree]).filter((node) => matches(factsOf(node), query));
}

/** The one node matching the query; throws, naming the spans present, if there are none or several. */
export function findNode(trees: TraceTree | readonly TraceTree[], query: SpanQuery | string): TraceTreeNode {
  const all = nodesOf(Array.isArray(trees) ? trees : [trees as TraceTree]);
  return one(all.filter((node) => matches(factsOf(node), query)), query, all);
}

/** Finished spans grouped by trace id, traces in the order their first span ended. */
export function groupSpansByTrace(source: SpanSource): Map<string, ReadableSpan[]> {
  const traces = new Map<string, ReadableSpan[]>();
  for (const span of spansOf(source)) {
    const traceId = span.spanContext().traceId;
    const spans = traces.get(traceId);
    if (spans) spans.push(span);
    else traces.set(traceId, [span]);
  }
  return traces;
}

/** All finished spans as trace trees, in the order the traces started. */
export function getTraceTrees(source: SpanSource): TraceTree[] {
  return buildTraceTrees(spansOf(source));
}

/**
 * One trace as a tree: the only trace (no second argument), the trace with this id, or the trace
 * holding the one span that matches the query. Throws, printing the traces present, otherwise.
 */
export function getTraceTree(source: SpanSource, which?: string | SpanQuery): TraceTree {
  const trees = getTraceTrees(source);
  let found: TraceTree[];
  let wanted: string;
  if (which === undefined) {
    found = trees;
    wanted = 'exactly one trace';
  } else if (typeof which === 'string') {
    found = trees.filter((tree) => tree.traceId === which);
    wanted = `trace ${which}`;
  } else {
    const traceId = findSpan(source, which).spanContext().traceId;
    found = trees.filter((tree) => tree.traceId === traceId);
    wanted = `the trace of the span ${describeQuery(which)}`;
  }
  if (found.length === 1) return found[0] as TraceTree;
  throw new Error(`Expected ${wanted}, found ${found.length} of ${trees.length} traces.\n\n${printTraces(trees)}`);
}

/** The traces that hold a span of this run (by correlation id). */
function runTraces(trees: readonly TraceTree[], correlationId: string, attribute: string): TraceTree[] {
  return trees.filter((tree) => nodesOf([tree]).some((node) => node.attributes[attribute] === correlationId));
}

/**
 * Every finished span of one run: the spans of each trace in which some span carries this
 * correlation id (`agentrace.correlation_id`), so spans without the attribute still count.
 */
export function spansOfRun(source: SpanSource, correlationId: string, attribute: string = ATTR_CORRELATION_ID): ReadableSpan[] {
  const traceIds = new Set(runTraces(getTraceTrees(source), correlationId, attribute).map((tree) => tree.traceId));
  return spansOf(source).filter((span) => traceIds.has(span.spanContext().traceId));
}

/** The one trace of a run, by correlation id; throws, printing the traces present, if there is not exactly one. */
export function getRunTree(source: SpanSource, correlationId: string, attribute: string = ATTR_CORRELATION_ID): TraceTree {
  const trees = getTraceTrees(source);
  const found = runTraces(trees, correlationId, attribute);
  if (found.length === 1) return found[0] as TraceTree;
  throw new Error(
    `Expected one trace for run ${attribute}=${correlationId}, found ${found.length} of ${trees.length} traces.\n\n${printTraces(trees)}`,
  );
}

/** Every node of the trees, depth first, parents before children. */
export function traceTreeNodes(trees: TraceTree | readonly TraceTree[]): TraceTreeNode[] {
  return nodesOf(Array.isArray(trees) ? trees : [trees as TraceTree]);
}

/** Prints traces one after another, each under a `trace <id>` line (as the console exporter does). */
export function printTraces(trees: readonly TraceTree[], options?: Parameters<typeof formatTraceTree>[1]): string {
  if (trees.length === 0) return '(no traces)';
  return trees.map((tree) => `trace ${tree.traceId}\n${formatTraceTree(tree, options)}`).join('\n\n');
}
