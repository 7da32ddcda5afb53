import { buildTraceTrees, formatTraceTree, type TraceTree, type TraceTreeNode } from '@agentrace/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { printTraces } from './queries.js';
import { ATTR_CORRELATION_ID, ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_TYPE, EVENT_EXCEPTION } from './semconv.js';
import { compareTraceShape } from './shape.js';
import { factsOf, isReadableSpan, isTraceTree, nodesOf, treesOf } from './span-view.js';
import type {
  SpansInTheirRunsOptions,
  ExceptionEventOptions,
  NoCrossRunOptions,
  NoOrphansOptions,
  TraceShape,
  TraceShapeOptions,
  TraceSource,
} from './types.js';

/** A failed trace assertion. `expected` and `actual` (when set) are printed trees, which test runners diff. */
export class TraceAssertionError extends Error {
  override readonly name = 'TraceAssertionError';
  readonly expected?: string;
  readonly actual?: string;
  readonly showDiff: boolean;

  constructor(message: string, diff?: { expected: string; actual: string }) {
    super(message);
    if (diff) {
      this.expected = diff.expected;
      this.actual = diff.actual;
    }
    this.showDiff = diff !== undefined;
  }
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}

/** The one trace of a source, or an error printing the traces it has. */
function singleTrace(source: TraceSource): TraceTree {
  const trees = treesOf(source, buildTraceTrees);
  if (trees.length === 1) return trees[0] as TraceTree;
  throw new TraceAssertionError(
    `Expected one trace, got ${trees.length}. Narrow it first, e.g. getRunTree(spans, correlationId) or getTraceTree(spans, traceId).\n\n${indent(printTraces(trees))}`,
  );
}

/**
 * Asserts that a trace has exactly this shape: the same spans, parent to child, each with the
 * fields the shape lists. Siblings may come in any order unless `ordered` is set. The error shows
 * where the trees first differ, then the expected and the actual tree.
 */
export function assertTraceShape(source: TraceSource, shape: TraceShape, { ordered = false }: TraceShapeOptions = {}): void {
  const tree = singleTrace(source);
  const result = compareTraceShape(tree, shape, ordered);
  if (result.pass) return;
  throw new TraceAssertionError(
    `Trace ${tree.traceId} does not have the expected shape: ${result.reason}\n\nExpected:\n${indent(result.expected)}\n\nActual:\n${indent(result.actual)}`,
    { expected: result.expected, actual: result.actual },
  );
}

/** Asserts that no span was left open: every span started since the last reset has ended. */
export function assertAllSpansEnded(tracing: { openSpans(): ReadableSpan[] }): void {
  const open = tracing.openSpans();
  if (open.length === 0) return;
  const lines = open.map((span) => {
    const facts = factsOf(span);
    const parent = span.parentSpanContext?.spanId;
    return `  ${facts.name}  (trace ${facts.traceId}, span ${facts.spanId}${parent ? `, parent ${parent}` : ''})`;
  });
  throw new TraceAssertionError(
    `Expected every span to have ended, but ${open.length} ${open.length === 1 ? 'is' : 'are'} still open:\n${lines.join('\n')}`,
  );
}

/**
 * Asserts that every span's parent is in its trace (no orphan), so each trace is one tree. With a
 * tracing setup as the source, a missing parent that is still open is named as such.
 */
export function assertNoOrphans(source: TraceSource, { allowRemoteParents = false }: NoOrphansOptions = {}): void {
  const trees = treesOf(source, buildTraceTrees);
  const open = new Set(
    'openSpans' in source && typeof source.openSpans === 'function'
      ? (source.openSpans() as ReadableSpan[]).map((span) => span.spanContext().spanId)
      : [],
  );
  const problems: string[] = [];
  const bad: TraceTree[] = [];
  for (const tree of trees) {
    const orphans = tree.roots.filter((root) => root.parentSpanId !== undefined && !(allowRemoteParents && root.parentIsRemote));
    if (orphans.length === 0) continue;
    bad.push(tree);
    for (const orphan of orphans) {
      const why = open.has(orphan.parentSpanId as string)
        ? 'which is still open (it never ended)'
        : orphan.parentIsRemote
          ? 'which is remote (from another process) and not in the trace'
          : 'which is not in the trace';
      problems.push(`  "${orphan.name}" (span ${orphan.spanId}) in trace ${tree.traceId} has parent ${orphan.parentSpanId}, ${why}`);
    }
  }
  if (problems.length === 0) return;
  throw new TraceAssertionError(`Expected no orphan spans, found ${problems.length}:\n${problems.join('\n')}\n\n${indent(printTraces(bad))}`);
}

function addTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Asserts that no span crosses into another run: within each trace, every span that carries a
 * correlation id carries the same one. With `oneTracePerRun`, each run must also be one trace.
 */
export function assertNoCrossRunSpans(source: TraceSource, { attribute = ATTR_CORRELATION_ID, oneTracePerRun = false }: NoCrossRunOptions = {}): void {
  const trees = treesOf(source, buildTraceTrees);
  const problems: string[] = [];
  const bad = new Set<TraceTree>();
  const tracesOfRun = new Map<string, TraceTree[]>();
  for (const tree of trees) {
    const runs = new Map<string, TraceTreeNode[]>();
    for (const node of nodesOf([tree])) {
      const id = node.attributes[attribute];
      if (id === undefined) continue;
      addTo(runs, String(id), node);
    }
    for (const run of runs.keys()) addTo(tracesOfRun, run, tree);
    if (runs.size > 1) {
      bad.add(tree);
      const parts = [...runs].map(([run, nodes]) => `${run} (${nodes.map((n) => `"${n.name}"`).join(', ')})`);
      problems.push(`  trace ${tree.traceId} mixes ${runs.size} runs: ${parts.join('; ')}`);
    }
  }
  if (oneTracePerRun) {
    for (const [run, runTrees] of tracesOfRun) {
      if (runTrees.length < 2) continue;
      runTrees.forEach((tree) => bad.add(tree));
      problems.push(`  run ${run} is split over ${runTrees.length} traces: ${runTrees.map((t) => t.traceId).join(', ')}`);
    }
  }
  if (problems.length === 0) return;
  const print = printTraces([...bad], { durations: false, attributes: [attribute] });
  throw new TraceAssertionError(`Expected every trace to hold one run (by ${attribute}), but:\n${problems.join('\n')}\n\n${indent(print)}`);
}

/**
 * Asserts that every probe span (one carrying `ownerAttribute`, the correlation id of the run that
 * truly owns it) sits under its own run: it carries that run's correlation id, its trace's root is
 * that run's, and its chain of parents reaches the root (no orphan on the way). For concurrency tests
 * where a span can land in another run's trace or inherit another run's id.
 */
export function assertSpansInTheirRuns(
  source: TraceSource,
  { ownerAttribute = 'test.owner', attribute = ATTR_CORRELATION_ID, minProbes = 1 }: SpansInTheirRunsOptions = {},
): void {
  const trees = treesOf(source, buildTraceTrees);
  const problems: string[] = [];
  const bad = new Set<TraceTree>();
  let probes = 0;
  for (const tree of trees) {
    const visit = (node: TraceTreeNode, root: TraceTreeNode): void => {
      const owner = node.attributes[ownerAttribute];
      if (owner !== undefined) {
        probes++;
        const where = `"${node.name}" (span ${node.spanId}, owner ${String(owner)})`;
        if (node.attributes[attribute] !== owner) {
          problems.push(`  ${where} carries ${attribute}=${String(node.attributes[attribute])}`);
          bad.add(tree);
        } else if (root.attributes[attribute] !== owner) {
          problems.push(`  ${where} is in trace ${tree.traceId}, whose root "${root.name}" is run ${String(root.attributes[attribute])}`);
          bad.add(tree);
        } else if (root.parentSpanId !== undefined && !root.parentIsRemote) {
          problems.push(`  ${where} hangs under "${root.name}", whose parent ${root.parentSpanId} is not in the trace`);
          bad.add(tree);
        }
      }
      for (const child of node.children) visit(child, root);
    };
    for (const root of tree.roots) visit(root, root);
  }
  if (probes < minProbes) problems.push(`  found ${probes} probe span${probes === 1 ? '' : 's'} (${ownerAttribute}), expected at least ${minProbes}`);
  if (problems.length === 0) return;
  const shown = problems.slice(0, 20);
  if (problems.length > shown.length) shown.push(`  … and ${problems.length - shown.length} more`);
  const print = printTraces([...bad].slice(0, 3), { durations: false, attributes: [attribute, ownerAttribute] });
  throw new TraceAssertionError(`Expected every probe span under its own run, but ${problems.length} ${problems.length === 1 ? 'is' : 'are'} not:\n${shown.join('\n')}\n\n${indent(print)}`);
}

/** A type given as a name or as the error class itself. */
export type ErrorType = string | (abstract new (...args: never[]) => Error);

function typeName(type: ErrorType): string {
  return typeof type === 'string' ? type : type.name;
}

/**
 * Asserts that a span (finished span or tree node) has an `exception` event whose `exception.type`
 * is this type (a name, or the class, whose name is used), and optionally this message.
 */
export function assertExceptionEvent(span: ReadableSpan | TraceTreeNode, type: ErrorType, { message }: ExceptionEventOptions = {}): void {
  if (!isReadableSpan(span) && !(typeof span === 'object' && span !== null && Array.isArray((span as TraceTreeNode).events))) {
    throw new TraceAssertionError(`Expected a span or trace tree node, got ${isTraceTree(span) ? 'a whole trace tree (pick a node with findNode)' : typeof span}.`);
  }
  const name = typeName(type);
  const events = isReadableSpan(span)
    ? span.events.map((event) => ({ name: event.name, attributes: event.attributes ?? {} }))
    : span.events;
  const found = events.some(
    (event) =>
      event.name === EVENT_EXCEPTION &&
      event.attributes[ATTR_EXCEPTION_TYPE] === name &&
      (message === undefined ||
        (message instanceof RegExp
          ? message.test(String(event.attributes[ATTR_EXCEPTION_MESSAGE] ?? ''))
          : event.attributes[ATTR_EXCEPTION_MESSAGE] === message)),
  );
  if (found) return;
  const facts = factsOf(span);
  const tree = isReadableSpan(span) ? buildTraceTrees([span])[0] : { traceId: facts.traceId, roots: [{ ...span, children: [] }] };
  const printed = tree ? formatTraceTree(tree, { durations: false, attributes: 'none' }) : facts.name;
  const wanted = `an exception event of type ${name}${message === undefined ? '' : ` with message ${message instanceof RegExp ? String(message) : JSON.stringify(message)}`}`;
  throw new TraceAssertionError(
    `Expected span "${facts.name}" to have ${wanted}; it has ${events.length ? `these events` : 'no events'}:\n${indent(printed)}`,
  );
}
