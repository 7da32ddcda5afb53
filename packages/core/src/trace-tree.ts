// The one trace-tree model and printer, shared by the console exporter and @agentrace/testing (its
// failure messages, snapshots and Jaeger traces all go through these two functions).
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { AttributeValue, Attributes, HrTime, Link, SpanContext, SpanStatus } from '@opentelemetry/api';

/**
 * The fields of a finished span the tree reads: a structural subset of the SDK's `ReadableSpan`, so
 * this package needs only `@opentelemetry/api`.
 */
export interface FinishedSpanLike {
  readonly name: string;
  readonly kind: SpanKind;
  spanContext(): SpanContext;
  readonly parentSpanContext?: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly duration: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly events: readonly { name: string; time: HrTime; attributes?: Attributes | undefined }[];
  readonly links: readonly Link[];
  readonly resource?: { readonly attributes?: Attributes } | undefined;
}

export type TraceSpanKind = 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';

export interface TraceTreeEvent {
  name: string;
  /** Milliseconds since the Unix epoch. */
  timeMs: number;
  attributes: Record<string, AttributeValue>;
}

export interface TraceTreeNode {
  traceId: string;
  spanId: string;
  /** Absent for a root; present but not in the trace for an orphan. */
  parentSpanId?: string;
  /** True when the parent came from another process (extracted from a carrier). */
  parentIsRemote?: boolean;
  name: string;
  kind: TraceSpanKind;
  /** `service.name` of the process that made the span, where known. */
  serviceName?: string;
  /** Milliseconds since the Unix epoch. */
  startTimeMs: number;
  durationMs: number;
  status: { code: 'UNSET' | 'OK' | 'ERROR'; message?: string };
  attributes: Record<string, AttributeValue>;
  events: TraceTreeEvent[];
  links: { traceId: string; spanId: string; attributes: Record<string, AttributeValue> }[];
  children: TraceTreeNode[];
}

export interface TraceTree {
  traceId: string;
  /** Spans with no parent, or whose parent is not in the trace; ordered by start time. */
  roots: TraceTreeNode[];
}

export interface FormatTraceTreeOptions {
  /** Attribute keys to show on each line; default: a short list of the most telling ones. */
  attributes?: readonly string[] | 'all' | 'none';
  /** Show durations; default true (tests printing snapshots turn it off). */
  durations?: boolean;
  /** Show events (and links) under their span; default true. */
  events?: boolean;
  /** Show the span kind when it is not INTERNAL; default true. */
  kinds?: boolean;
  /** Show the status when it is not UNSET; default true. */
  statuses?: boolean;
  /** Show `service.name` where it changes along the tree (only in traces that cross services); default true. */
  services?: boolean;
  /** Show each span's id after its name; default false. */
  ids?: boolean;
  /** Longest attribute value printed before it is cut with `…`; default 80. */
  maxValueLength?: number;
  /** ANSI colours (error in red, details dimmed); default false. */
  color?: boolean;
  /**
   * Spans printed before (span id → name), for spans that start after their parent ended and so
   * arrive after it was printed: such a span is printed under its parent's name, marked late, not as
   * an orphan. Default: none.
   */
  printedParents?: ReadonlyMap<string, string>;
}

/** The keys printed by default: what tells one span of an agent from another at a glance. */
const DEFAULT_ATTRIBUTES: readonly string[] = [
  'agentrace.correlation_id',
  'gen_ai.request.model',
  'http.request.method',
  'http.route',
  'url.full',
  'http.response.status_code',
  'messaging.system',
  'messaging.operation.type',
  'messaging.destination.name',
  'error.type',
  'agentrace.retry.attempt',
  'agentrace.abandoned',
  'agentrace.cancelled',
];

/**
 * Keys every span of a run carries: printed only where the value differs from the parent's, so a
 * run's id shows once on its root and again only where a span crosses into another run.
 */
const INHERITED_ATTRIBUTES: ReadonlySet<string> = new Set(['agentrace.correlation_id']);

/** Event attributes never printed unless `attributes: 'all'`: too long for one line. */
const LONG_EVENT_ATTRIBUTES: ReadonlySet<string> = new Set(['exception.stacktrace']);

const KIND_NAMES: Record<SpanKind, TraceSpanKind> = {
  [SpanKind.INTERNAL]: 'INTERNAL',
  [SpanKind.SERVER]: 'SERVER',
  [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER',
  [SpanKind.CONSUMER]: 'CONSUMER',
};

function hrTimeToMs(time: HrTime): number {
  return time[0] * 1e3 + time[1] / 1e6;
}

function cleanAttributes(attributes: Attributes | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!attributes) return out;
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function statusOf(span: FinishedSpanLike): TraceTreeNode['status'] {
  const code = span.status.code === SpanStatusCode.ERROR ? 'ERROR' : span.status.code === SpanStatusCode.OK ? 'OK' : 'UNSET';
  return span.status.message ? { code, message: span.status.message } : { code };
}

function nodeOf(span: FinishedSpanLike): TraceTreeNode {
  const { traceId, spanId } = span.spanContext();
  const parent = span.parentSpanContext;
  const serviceName = span.resource?.attributes?.['service.name'];
  const node: TraceTreeNode = {
    traceId,
    spanId,
    name: span.name,
    kind: KIND_NAMES[span.kind] ?? 'INTERNAL',
    startTimeMs: hrTimeToMs(span.startTime),
    durationMs: hrTimeToMs(span.duration),
    status: statusOf(span),
    attributes: cleanAttributes(span.attributes),
    events: span.events.map((event) => ({
      name: event.name,
      timeMs: hrTimeToMs(event.time),
      attributes: cleanAttributes(event.attributes),
    })),
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      attributes: cleanAttributes(link.attributes),
    })),
    children: [],
  };
  if (parent) {
    node.parentSpanId = parent.spanId;
    if (parent.isRemote) node.parentIsRemote = true;
  }
  if (typeof serviceName === 'string') node.serviceName = serviceName;
  return node;
}

/**
 * The SDK takes a span's start time from `Date.now()`, so spans started in the same millisecond tie.
 * Its spans also keep the `performance.now()` of their start (a private field): when present it
 * breaks those ties in the true start order. Otherwise (e.g. spans read back from Jaeger) the one
 * that ended first goes first, which is right for steps that ran one after the other.
 */
function preciseStartOf(span: FinishedSpanLike): number | undefined {
  const value = (span as { _performanceStartTime?: unknown })._performanceStartTime;
  return typeof value === 'number' ? value : undefined;
}

function byStart(precise: ReadonlyMap<TraceTreeNode, number>): (a: TraceTreeNode, b: TraceTreeNode) => number {
  return (a, b) => {
    const diff = a.startTimeMs - b.startTimeMs;
    if (diff !== 0) return diff;
    const pa = precise.get(a);
    const pb = precise.get(b);
    if (pa !== undefined && pb !== undefined) return pa - pb;
    return a.durationMs - b.durationMs;
  };
}

/** Malformed input (spans that are each other's ancestors) would hide spans: such loops become roots. */
function detachCycles(nodes: ReadonlyMap<string, TraceTreeNode>, roots: TraceTreeNode[]): void {
  const reached = new Set<TraceTreeNode>();
  const mark = (node: TraceTreeNode): void => {
    if (reached.has(node)) return;
    reached.add(node);
    node.children.forEach(mark);
  };
  roots.forEach(mark);
  for (const node of nodes.values()) {
    if (reached.has(node)) continue;
    const parent = nodes.get(node.parentSpanId as string);
    if (parent) parent.children.splice(parent.children.indexOf(node), 1);
    roots.push(node);
    mark(node);
  }
}

/**
 * Groups finished spans by trace and links each to its parent. Traces come in the order of their
 * first span's start; roots and children are ordered by start time (ties in the SDK's true start
 * order where known, else the first to end first, else input order). A span whose parent is not among `spans` becomes a root
 * that keeps its `parentSpanId` (an orphan).
 */
export function buildTraceTrees(spans: readonly FinishedSpanLike[]): TraceTree[] {
  const traces = new Map<string, Map<string, TraceTreeNode>>();
  const precise = new Map<TraceTreeNode, number>();
  for (const span of spans) {
    const node = nodeOf(span);
    const preciseStart = preciseStartOf(span);
    if (preciseStart !== undefined) precise.set(node, preciseStart);
    let nodes = traces.get(node.traceId);
    if (!nodes) {
      nodes = new Map();
      traces.set(node.traceId, nodes);
    }
    // The same span exported twice is one span.
    if (!nodes.has(node.spanId)) nodes.set(node.spanId, node);
  }
  const order = byStart(precise);
  const trees: TraceTree[] = [];
  for (const [traceId, nodes] of traces) {
    const roots: TraceTreeNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.parentSpanId === undefined ? undefined : nodes.get(node.parentSpanId);
      if (parent && parent !== node) parent.children.push(node);
      else roots.push(node);
    }
    detachCycles(nodes, roots);
    for (const node of nodes.values()) node.children.sort(order);
    roots.sort(order);
    trees.push({ traceId, roots });
  }
  // A parent starts before its children, so a trace's first root is its earliest span.
  trees.sort((a, b) => order(a.roots[0] as TraceTreeNode, b.roots[0] as TraceTreeNode));
  return trees;
}

const ANSI = { red: '\u001b[31m', green: '\u001b[32m', dim: '\u001b[2m', bold: '\u001b[1m', reset: '\u001b[0m' };

interface Printer {
  options: Required<Omit<FormatTraceTreeOptions, 'attributes' | 'printedParents'>>;
  keys: readonly string[] | 'all';
  multiService: boolean;
  /** Roots whose parent was printed before: marked late, not orphan. */
  late: Set<TraceTreeNode>;
  paint(style: keyof typeof ANSI, text: string): string;
}

function formatDuration(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function formatValue(value: AttributeValue, max: number): string {
  let text: string;
  if (typeof value === 'string') {
    // Bare when unambiguous, quoted when spaces, `=` or quotes would blur where the value ends.
    text = value === '' || /[\s="'\\]/.test(value) ? JSON.stringify(value) : value;
  } else if (Array.isArray(value)) {
    text = JSON.stringify(value);
  } else {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

function formatAttributes(
  attributes: Record<string, AttributeValue>,
  keys: readonly string[] | 'all',
  max: number,
  skip: (key: string, value: AttributeValue) => boolean,
): string {
  const parts: string[] = [];
  const list = keys === 'all' ? Object.keys(attributes).sort() : keys;
  for (const key of list) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key] as AttributeValue;
    if (skip(key, value)) continue;
    parts.push(`${key}=${formatValue(value, max)}`);
  }
  return parts.join(' ');
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return a === b || (Array.isArray(a) && Array.isArray(b) && JSON.stringify(a) === JSON.stringify(b));
}

function spanLine(node: TraceTreeNode, parent: TraceTreeNode | undefined, printer: Printer): string {
  const { options, paint } = printer;
  const parts: string[] = [paint('bold', node.name)];
  if (options.ids) parts.push(paint('dim', node.spanId));
  if (options.services && printer.multiService && node.serviceName !== undefined && node.serviceName !== parent?.serviceName) {
    parts.push(`[${node.serviceName}]`);
  }
  if (options.kinds && node.kind !== 'INTERNAL') parts.push(node.kind);
  if (options.durations) parts.push(paint('dim', formatDuration(node.durationMs)));
  if (options.statuses && node.status.code !== 'UNSET') {
    const status = node.status.message ? `${node.status.code}: ${formatValue(node.status.message, options.maxValueLength)}` : node.status.code;
    parts.push(paint(node.status.code === 'ERROR' ? 'red' : 'green', status));
  }
  const attributes = formatAttributes(node.attributes, printer.keys, options.maxValueLength, (key, value) =>
    printer.keys !== 'all' && parent !== undefined && INHERITED_ATTRIBUTES.has(key) && sameValue(parent.attributes[key], value),
  );
  if (attributes) parts.push(attributes);
  if (!parent && node.parentSpanId !== undefined && printer.late.has(node)) {
    parts.push(paint('dim', '(late: started after its parent ended)'));
  } else if (!parent && node.parentSpanId !== undefined) {
    parts.push(paint('red', node.parentIsRemote ? `(remote parent ${node.parentSpanId})` : `(orphan: parent ${node.parentSpanId} not in trace)`));
  }
  return parts.join('  ');
}

function detailLines(node: TraceTreeNode, printer: Printer): string[] {
  const { options, paint } = printer;
  if (!options.events) return [];
  const lines: string[] = [];
  for (const event of node.events) {
    const parts = [`• ${event.name}`];
    if (options.durations) parts.push(paint('dim', `+${formatDuration(Math.max(0, event.timeMs - node.startTimeMs))}`));
    const attributes = formatAttributes(
      event.attributes,
      printer.keys === 'all' ? 'all' : Object.keys(event.attributes),
      options.maxValueLength,
      (key) => printer.keys !== 'all' && LONG_EVENT_ATTRIBUTES.has(key),
    );
    if (attributes) parts.push(attributes);
    lines.push(parts.join('  '));
  }
  for (const link of node.links) lines.push(paint('dim', `↪ link ${link.traceId}/${link.spanId}`));
  return lines;
}

function printNode(
  node: TraceTreeNode,
  parent: TraceTreeNode | undefined,
  prefix: string,
  connector: string,
  printer: Printer,
  out: string[],
): void {
  out.push(`${prefix}${connector}${spanLine(node, parent, printer)}`);
  // Below this node, continue the parent's vertical line only if more siblings follow.
  const below = prefix + (connector === '├─ ' ? '│  ' : connector === '' ? '' : '   ');
  const details = detailLines(node, printer);
  for (const line of details) out.push(`${below}${node.children.length ? '│  ' : '   '}${line}`);
  node.children.forEach((child, index) => {
    printNode(child, node, below, index === node.children.length - 1 ? '└─ ' : '├─ ', printer, out);
  });
}

function collectServices(nodes: readonly TraceTreeNode[], into: Set<string>): void {
  for (const node of nodes) {
    if (node.serviceName !== undefined) into.add(node.serviceName);
    collectServices(node.children, into);
  }
}

/**
 * Prints a trace as an indented tree, one line per span (name, kind, duration, status, key
 * attributes) with its events below it; several roots (orphans) are printed one after another.
 * Plain text unless `color` is set; ends without a newline.
 */
export function formatTraceTree(tree: TraceTree, options: FormatTraceTreeOptions = {}): string {
  const services = new Set<string>();
  collectServices(tree.roots, services);
  const color = options.color ?? false;
  const paint: Printer['paint'] = color ? (style, text) => `${ANSI[style]}${text}${ANSI.reset}` : (_style, text) => text;
  const printer: Printer = {
    options: {
      durations: options.durations ?? true,
      events: options.events ?? true,
      kinds: options.kinds ?? true,
      statuses: options.statuses ?? true,
      services: options.services ?? true,
      ids: options.ids ?? false,
      maxValueLength: options.maxValueLength ?? 80,
      color,
    },
    keys: options.attributes === 'none' ? [] : options.attributes ?? DEFAULT_ATTRIBUTES,
    multiService: services.size > 1,
    late: new Set(),
    paint,
  };
  const out: string[] = [];
  for (const root of tree.roots) {
    const parentName = root.parentSpanId === undefined ? undefined : options.printedParents?.get(root.parentSpanId);
    if (parentName === undefined) {
      printNode(root, undefined, '', '', printer, out);
      continue;
    }
    // Its parent was printed with the rest of the trace before this span ended: name it again here.
    printer.late.add(root);
    out.push(`${paint('bold', parentName)}  ${paint('dim', `(printed above, ${root.parentSpanId})`)}`);
    printNode(root, undefined, '', '└─ ', printer, out);
  }
  if (out.length === 0) out.push('(no spans)');
  return out.join('\n');
}
