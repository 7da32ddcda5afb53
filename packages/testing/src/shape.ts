import { formatTraceTree, type TraceSpanKind, type TraceTree, type TraceTreeNode } from '@agentrace/core';
import type { AttributeValue } from '@opentelemetry/api';
import type { SpanShape, SpanShapeObject, StatusShape, TraceShape } from './types.js';

/** A shape node with every compact form expanded. */
interface ShapeNode {
  name: string | RegExp;
  kind?: TraceSpanKind;
  status?: { code: 'UNSET' | 'OK' | 'ERROR'; message?: string | RegExp };
  attributes?: Record<string, unknown>;
  events?: readonly string[];
  children: ShapeNode[];
}

interface AsymmetricMatcher {
  asymmetricMatch(other: unknown): boolean;
  toString(): string;
  toAsymmetricMatcher?(): string;
}

function isAsymmetricMatcher(value: unknown): value is AsymmetricMatcher {
  return typeof value === 'object' && value !== null && typeof (value as AsymmetricMatcher).asymmetricMatch === 'function';
}

function isShapeObject(value: unknown): value is SpanShapeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'name' in value;
}

function isChildList(value: unknown): value is readonly SpanShape[] {
  return Array.isArray(value) && value.every(isSpanShape);
}

function isPair(value: unknown): value is readonly [string, readonly SpanShape[]] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && isChildList(value[1]);
}

function isSpanShape(value: unknown): value is SpanShape {
  return typeof value === 'string' || isPair(value) || isShapeObject(value);
}

function normalizeStatus(status: StatusShape): ShapeNode['status'] {
  return typeof status === 'string' ? { code: status } : status;
}

function normalize(shape: SpanShape, path: string): ShapeNode {
  if (typeof shape === 'string') return { name: shape, children: [] };
  if (isPair(shape)) return { name: shape[0], children: shape[1].map((c, i) => normalize(c, `${path} > ${shape[0]}[${i}]`)) };
  if (isShapeObject(shape)) {
    const node: ShapeNode = {
      name: shape.name,
      children: (shape.children ?? []).map((c, i) => normalize(c, `${path} > ${String(shape.name)}[${i}]`)),
    };
    if (shape.kind !== undefined) node.kind = shape.kind;
    if (shape.status !== undefined) node.status = normalizeStatus(shape.status);
    if (shape.attributes !== undefined) node.attributes = shape.attributes;
    if (shape.events !== undefined) node.events = shape.events;
    return node;
  }
  throw new TypeError(
    `Invalid trace shape at ${path}: ${JSON.stringify(shape)}. Use 'name', ['name', [children]] or { name, children, attributes, status, kind, events }.`,
  );
}

/** Expands a trace shape into its list of roots. */
export function normalizeTraceShape(shape: TraceShape): ShapeNode[] {
  if (isSpanShape(shape)) return [normalize(shape, 'root')];
  if (Array.isArray(shape)) return shape.map((s: SpanShape, i: number) => normalize(s, `root[${i}]`));
  return [normalize(shape as SpanShape, 'root')];
}

function nameMatches(expected: string | RegExp, actual: string): boolean {
  return expected instanceof RegExp ? expected.test(actual) : expected === actual;
}

/** Whether an actual attribute satisfies an expected one. Jaeger stores arrays as JSON strings, so those compare too. */
export function attributeMatches(expected: unknown, actual: AttributeValue | undefined): boolean {
  if (expected === undefined) return actual === undefined;
  if (isAsymmetricMatcher(expected)) return expected.asymmetricMatch(actual);
  if (expected instanceof RegExp) return typeof actual === 'string' && expected.test(actual);
  if (Array.isArray(expected)) {
    const json = JSON.stringify(expected);
    return Array.isArray(actual) ? JSON.stringify(actual) === json : actual === json;
  }
  return Object.is(expected, actual);
}

function describeValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  if (isAsymmetricMatcher(value)) return value.toAsymmetricMatcher?.() ?? value.toString();
  if (value instanceof RegExp) return String(value);
  return JSON.stringify(value);
}

/** The first difference between one expected node and one actual node, ignoring children; undefined if none. */
function ownDifference(e: ShapeNode, a: TraceTreeNode): string | undefined {
  if (!nameMatches(e.name, a.name)) return `expected a span named ${describeValue(e.name)}, got "${a.name}"`;
  if (e.kind !== undefined && e.kind !== a.kind) return `expected kind ${e.kind}, got ${a.kind}`;
  if (e.status !== undefined) {
    if (e.status.code !== a.status.code) return `expected status ${e.status.code}, got ${a.status.code}`;
    const message = e.status.message;
    if (message !== undefined && !(message instanceof RegExp ? message.test(a.status.message ?? '') : message === a.status.message)) {
      return `expected status message ${describeValue(message)}, got ${describeValue(a.status.message)}`;
    }
  }
  for (const key of Object.keys(e.attributes ?? {})) {
    const expected = e.attributes![key];
    const actual = a.attributes[key];
    if (!attributeMatches(expected, actual)) return `expected attribute ${key}=${describeValue(expected)}, got ${describeValue(actual)}`;
  }
  if (e.events !== undefined) {
    const names = a.events.map((event) => event.name);
    if (JSON.stringify(names) !== JSON.stringify(e.events)) {
      return `expected events ${JSON.stringify(e.events)}, got ${JSON.stringify(names)}`;
    }
  }
  return undefined;
}

class Matcher {
  private readonly memo = new Map<ShapeNode, Map<TraceTreeNode, boolean>>();

  constructor(private readonly ordered: boolean) {}

  matches(e: ShapeNode, a: TraceTreeNode): boolean {
    let row = this.memo.get(e);
    if (!row) this.memo.set(e, (row = new Map()));
    let result = row.get(a);
    if (result === undefined) {
      result = ownDifference(e, a) === undefined && this.childrenMatch(e.children, a.children);
      row.set(a, result);
    }
    return result;
  }

  childrenMatch(expected: readonly ShapeNode[], actual: readonly TraceTreeNode[]): boolean {
    if (expected.length !== actual.length) return false;
    if (this.ordered) return expected.every((e, i) => this.matches(e, actual[i] as TraceTreeNode));
    return this.assign(expected, actual).size === expected.length;
  }

  /**
   * The largest pairing of expected to actual siblings where each pair matches (Kuhn's augmenting
   * paths; sibling lists are small, and `matches` is memoised).
   */
  assign(expected: readonly ShapeNode[], actual: readonly TraceTreeNode[]): Map<ShapeNode, TraceTreeNode> {
    const owner = new Map<TraceTreeNode, ShapeNode>();
    const tryAssign = (e: ShapeNode, seen: Set<TraceTreeNode>): boolean => {
      for (const a of actual) {
        if (seen.has(a) || !this.matches(e, a)) continue;
        seen.add(a);
        const previous = owner.get(a);
        if (previous === undefined || tryAssign(previous, seen)) {
          owner.set(a, e);
          return true;
        }
      }
      return false;
    };
    for (const e of expected) tryAssign(e, new Set());
    const pairs = new Map<ShapeNode, TraceTreeNode>();
    for (const [a, e] of owner) pairs.set(e, a);
    return pairs;
  }

  /** Expected and actual siblings paired for explanation and printing: full matches first, then same names, in expected order. */
  pair(expected: readonly ShapeNode[], actual: readonly TraceTreeNode[]): { pairs: [ShapeNode, TraceTreeNode | undefined][]; extra: TraceTreeNode[] } {
    if (this.ordered) {
      return {
        pairs: expected.map((e, i) => [e, actual[i]]),
        extra: actual.slice(expected.length),
      };
    }
    const full = this.assign(expected, actual);
    const used = new Set(full.values());
    const pairs: [ShapeNode, TraceTreeNode | undefined][] = expected.map((e) => {
      let a = full.get(e);
      if (!a) {
        a = actual.find((candidate) => !used.has(candidate) && nameMatches(e.name, candidate.name));
        if (a) used.add(a);
      }
      return [e, a];
    });
    // Expected children still unpaired take the leftover actual spans in start order, so a renamed
    // span shows next to the name it should have had.
    const leftover = actual.filter((a) => !used.has(a));
    for (const pair of pairs) {
      if (pair[1] === undefined && leftover.length) pair[1] = leftover.shift();
    }
    return { pairs, extra: leftover };
  }

  /** Where and how the trees first differ. */
  explain(expected: readonly ShapeNode[], actual: readonly TraceTreeNode[], path: string): string | undefined {
    const names = (nodes: readonly { name: string | RegExp }[]): string => nodes.map((n) => describeValue(n.name)).join(', ');
    if (expected.length !== actual.length) {
      const what = path === '' ? (expected.length === 1 ? 'root span' : 'root spans') : expected.length === 1 ? 'child' : 'children';
      return `${path || 'trace'}: expected ${expected.length} ${what} (${names(expected)}), got ${actual.length} (${names(actual)})`;
    }
    const { pairs } = this.pair(expected, actual);
    for (const [e, a] of pairs) {
      if (!a || this.matches(e, a)) continue;
      // A wrong name is told at the parent: the span has no name of its own to be found by.
      if (!nameMatches(e.name, a.name)) return `${path || 'trace'}: expected a span named ${describeValue(e.name)}, got "${a.name}"`;
      const here = path ? `${path} > ${a.name}` : a.name;
      const own = ownDifference(e, a);
      if (own) return `${here}: ${own}`;
      const below = this.explain(e.children, a.children, here);
      if (below) return below;
      if (this.ordered) continue;
    }
    if (this.ordered) return `${path || 'trace'}: the spans are not in the expected order (${names(expected)}), got (${names(actual)})`;
    return undefined;
  }

  /** Actual nodes reordered to follow the expected ones and cut down to the fields the shape checks, for a clean diff. */
  project(expected: readonly ShapeNode[], actual: readonly TraceTreeNode[], shown: Shown): TraceTreeNode[] {
    const { pairs, extra } = this.pair(expected, actual);
    const out: TraceTreeNode[] = [];
    for (const [e, a] of pairs) if (a) out.push(projectNode(a, e, shown, this.project(e.children, a.children, shown)));
    for (const a of extra) out.push(projectNode(a, undefined, shown, this.project([], a.children, shown)));
    return out;
  }
}

/** Fields any node of the shape checks: only these are printed, for both trees. */
interface Shown {
  kinds: boolean;
  statuses: boolean;
  events: boolean;
  attributes: Set<string>;
}

function shownBy(nodes: readonly ShapeNode[], shown: Shown = { kinds: false, statuses: false, events: false, attributes: new Set() }): Shown {
  for (const node of nodes) {
    if (node.kind !== undefined) shown.kinds = true;
    if (node.status !== undefined) shown.statuses = true;
    if (node.events !== undefined) shown.events = true;
    for (const key of Object.keys(node.attributes ?? {})) shown.attributes.add(key);
    shownBy(node.children, shown);
  }
  return shown;
}

function projectNode(a: TraceTreeNode, e: ShapeNode | undefined, shown: Shown, children: TraceTreeNode[]): TraceTreeNode {
  const attributes: Record<string, AttributeValue> = {};
  // A paired node shows what its own expectation checks; an extra node shows every checked key it has.
  const keys = e ? Object.keys(e.attributes ?? {}) : [...shown.attributes];
  for (const key of keys) {
    const value = a.attributes[key];
    if (value !== undefined) attributes[key] = value;
  }
  const checksStatus = e ? e.status !== undefined : shown.statuses;
  const checksMessage = e?.status?.message !== undefined;
  const node: TraceTreeNode = {
    ...a,
    kind: (e ? e.kind !== undefined : shown.kinds) ? a.kind : 'INTERNAL',
    status: checksStatus ? (checksMessage ? a.status : { code: a.status.code }) : { code: 'UNSET' },
    attributes,
    events: (e ? e.events !== undefined : shown.events) ? a.events.map((event) => ({ ...event, attributes: {} })) : [],
    links: [],
    children,
  };
  delete node.parentSpanId;
  delete node.parentIsRemote;
  delete node.serviceName;
  return node;
}

/** The expected shape as tree nodes, so both trees print with the same printer. */
function shapeToNode(e: ShapeNode): TraceTreeNode {
  const attributes: Record<string, AttributeValue> = {};
  for (const key of Object.keys(e.attributes ?? {})) {
    const value = e.attributes![key];
    if (value === undefined) continue;
    attributes[key] = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : describeValue(value);
  }
  const status: TraceTreeNode['status'] = e.status
    ? e.status.message !== undefined
      ? { code: e.status.code, message: e.status.message instanceof RegExp ? String(e.status.message) : e.status.message }
      : { code: e.status.code }
    : { code: 'UNSET' };
  return {
    traceId: '',
    spanId: '',
    name: e.name instanceof RegExp ? String(e.name) : e.name,
    kind: e.kind ?? 'INTERNAL',
    startTimeMs: 0,
    durationMs: 0,
    status,
    attributes,
    events: (e.events ?? []).map((name) => ({ name, timeMs: 0, attributes: {} })),
    links: [],
    children: e.children.map(shapeToNode),
  };
}

/** The result of comparing a trace with a shape. */
export interface ShapeComparison {
  pass: boolean;
  /** Where the trees first differ, when they do. */
  reason?: string;
  /** The expected tree, printed. */
  expected: string;
  /** The actual tree, printed with the same fields as the expected one and its siblings in the same order. */
  actual: string;
}

/** Compares a trace with a shape. */
export function compareTraceShape(tree: TraceTree, shape: TraceShape, ordered: boolean): ShapeComparison {
  const expected = normalizeTraceShape(shape);
  const matcher = new Matcher(ordered);
  const pass = matcher.childrenMatch(expected, tree.roots);
  const shown = shownBy(expected);
  const options = {
    durations: false,
    services: false,
    kinds: shown.kinds,
    statuses: shown.statuses,
    events: shown.events,
    attributes: 'all' as const,
    maxValueLength: 200,
  };
  const comparison: ShapeComparison = {
    pass,
    expected: formatTraceTree({ traceId: tree.traceId, roots: expected.map(shapeToNode) }, options),
    actual: formatTraceTree({ traceId: tree.traceId, roots: matcher.project(expected, tree.roots, shown) }, options),
  };
  if (!pass) comparison.reason = matcher.explain(expected, tree.roots, '') ?? 'the trees differ';
  return comparison;
}
