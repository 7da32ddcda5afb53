import { buildTraceTrees, type TraceTree } from '@agentrace/core';
import { SpanKind, SpanStatusCode, type AttributeValue, type Attributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { jaegerQueryUrl } from './env.js';
import { printTraces } from './queries.js';
import type { JaegerKeyValue, JaegerSpan, JaegerTrace, WaitForTraceOptions } from './types.js';

// Jaeger stores OTLP fields it has no column for as tags; these are turned back into span fields.
const KIND_TAG = 'span.kind';
const STATUS_CODE_TAG = 'otel.status_code';
const STATUS_MESSAGE_TAG = 'otel.status_description';
const ERROR_TAG = 'error';
const SCOPE_TAGS = ['otel.scope.name', 'otel.library.name'];
const SCOPE_VERSION_TAGS = ['otel.scope.version', 'otel.library.version'];
const DROPPED_TAGS = new Set([KIND_TAG, STATUS_CODE_TAG, STATUS_MESSAGE_TAG, ...SCOPE_TAGS, ...SCOPE_VERSION_TAGS, 'internal.span.format']);

const KINDS: Record<string, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

function microsToHrTime(us: number): HrTime {
  const seconds = Math.floor(us / 1e6);
  return [seconds, Math.round((us - seconds * 1e6) * 1e3)];
}

/**
 * Jaeger stores an array attribute as its JSON text; read back an array of one primitive type, so
 * the tree prints and compares as the in-memory one. (A string attribute that is exactly such JSON
 * is read as an array too.)
 */
function arrayFromJson(text: string): AttributeValue | undefined {
  if (!text.startsWith('[') || !text.endsWith(']')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const types = new Set(parsed.filter((v) => v !== null).map((v) => typeof v));
  if (types.size > 1 || [...types].some((t) => t !== 'string' && t !== 'number' && t !== 'boolean')) return undefined;
  return parsed as AttributeValue;
}

function valueOf(kv: JaegerKeyValue): AttributeValue {
  const value = kv.value;
  if (typeof value === 'string') {
    // int64 tags may arrive as strings from some Jaeger versions.
    if (kv.type === 'int64' && /^-?\d+$/.test(value)) return Number(value);
    return arrayFromJson(value) ?? value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

function attributesOf(list: readonly JaegerKeyValue[] | undefined, skip?: ReadonlySet<string>): Attributes {
  const out: Attributes = {};
  for (const kv of list ?? []) if (!skip?.has(kv.key)) out[kv.key] = valueOf(kv);
  return out;
}

function tag(span: JaegerSpan, keys: readonly string[]): AttributeValue | undefined {
  for (const kv of span.tags ?? []) if (keys.includes(kv.key)) return valueOf(kv);
  return undefined;
}

/** Jaeger may return 64-bit-wide ids without leading zeros; OTel ids are fixed width. */
function traceIdOf(id: string): string {
  return id.padStart(32, '0');
}

function spanIdOf(id: string): string {
  return id.padStart(16, '0');
}

function spanOf(span: JaegerSpan, trace: JaegerTrace): ReadableSpan {
  const traceId = traceIdOf(span.traceID);
  const spanContext: SpanContext = { traceId, spanId: spanIdOf(span.spanID), traceFlags: 1 };
  const references = span.references ?? [];
  // The parent is the first CHILD_OF reference in the same trace; the other references were links.
  const parentRef = references.find((ref) => ref.refType === 'CHILD_OF' && traceIdOf(ref.traceID) === traceId);
  const statusTag = tag(span, [STATUS_CODE_TAG]);
  const isError = statusTag === 'ERROR' || (statusTag === undefined && tag(span, [ERROR_TAG]) === true);
  const statusMessage = tag(span, [STATUS_MESSAGE_TAG]);
  const skip = new Set(DROPPED_TAGS);
  if (isError) skip.add(ERROR_TAG);
  const proc = span.processID ? trace.processes?.[span.processID] : undefined;
  const resourceAttributes = attributesOf(proc?.tags);
  if (proc?.serviceName) resourceAttributes['service.name'] = proc.serviceName;
  const start = microsToHrTime(span.startTime);
  const duration = microsToHrTime(span.duration);
  const scopeVersion = tag(span, SCOPE_VERSION_TAGS);
  return {
    name: span.operationName,
    kind: KINDS[String(tag(span, [KIND_TAG]) ?? 'internal').toLowerCase()] ?? SpanKind.INTERNAL,
    spanContext: () => spanContext,
    parentSpanContext: parentRef ? { traceId, spanId: spanIdOf(parentRef.spanID), traceFlags: 1 } : undefined,
    startTime: start,
    endTime: microsToHrTime(span.startTime + span.duration),
    duration,
    status: {
      code: isError ? SpanStatusCode.ERROR : statusTag === 'OK' ? SpanStatusCode.OK : SpanStatusCode.UNSET,
      ...(statusMessage !== undefined ? { message: String(statusMessage) } : {}),
    },
    attributes: attributesOf(span.tags, skip),
    links: references
      .filter((ref) => ref !== parentRef)
      .map((ref) => ({ context: { traceId: traceIdOf(ref.traceID), spanId: spanIdOf(ref.spanID), traceFlags: 1 } })),
    events: (span.logs ?? []).map((log) => {
      const name = log.fields.find((f) => f.key === 'event');
      return {
        name: name ? String(name.value) : 'log',
        time: microsToHrTime(log.timestamp),
        attributes: attributesOf(log.fields.filter((f) => f !== name)),
      };
    }),
    ended: true,
    resource: resourceFromAttributes(resourceAttributes),
    instrumentationScope: {
      name: String(tag(span, SCOPE_TAGS) ?? 'unknown'),
      ...(scopeVersion !== undefined ? { version: String(scopeVersion) } : {}),
    },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/**
 * A trace from Jaeger's query API (an element of `data`) as finished spans: span kind, status,
 * scope, events and service are read back from the tags Jaeger stored them in, so the spans work
 * with every query and assertion of the kit. Array attributes, which Jaeger keeps as JSON text,
 * are read back as arrays. What Jaeger drops stays dropped: link attributes, `isRemote`, dropped counts.
 */
export function jaegerTraceToSpans(trace: JaegerTrace): ReadableSpan[] {
  return trace.spans.map((span) => spanOf(span, trace));
}

/** A trace from Jaeger's query API as a trace tree, the same model as in-memory traces. */
export function jaegerTraceToTree(trace: JaegerTrace): TraceTree {
  return buildTraceTrees(jaegerTraceToSpans(trace))[0] ?? { traceId: traceIdOf(trace.traceID), roots: [] };
}

async function getJson(url: string): Promise<{ data?: JaegerTrace[] | null }> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  // Jaeger answers 404 for a trace id it has not stored yet: that is "not yet", not a failure.
  if (response.status === 404) return { data: [] };
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status} ${response.statusText}`);
  return (await response.json()) as { data?: JaegerTrace[] | null };
}

/** Fetches one trace by id from Jaeger as a tree, or undefined if Jaeger does not have it (yet). */
export async function fetchJaegerTrace(traceId: string, jaegerUrl: string = jaegerQueryUrl()): Promise<TraceTree | undefined> {
  const body = await getJson(`${jaegerUrl}/api/traces/${encodeURIComponent(traceId)}`);
  const trace = body.data?.[0];
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
  jaegerUrl = jaegerQueryUrl(),
  limit = 20,
}: WaitForTraceOptions): Promise<TraceTree> {
  if (service === undefined && traceId === undefined) {
    throw new TypeError('waitForTrace needs `service` (a service name to search) or `traceId`; got neither.');
  }
  const url = traceId
    ? `${jaegerUrl}/api/traces/${encodeURIComponent(traceId)}`
    : `${jaegerUrl}/api/traces?service=${encodeURIComponent(service as string)}&limit=${limit}&lookback=1h`;
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  let seen: TraceTree[] = [];
  let lastError: unknown;
  for (;;) {
    try {
      const body = await getJson(url);
      seen = (body.data ?? []).map(jaegerTraceToTree);
      lastError = undefined;
      const found = seen
        .filter((tree) => rootMatches(tree, root) && spanCount(tree) >= minSpans && (until === undefined || until(tree)))
        .sort((a, b) => (b.roots[0]?.startTimeMs ?? 0) - (a.roots[0]?.startTimeMs ?? 0));
      if (found[0]) return found[0];
    } catch (error) {
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
    ? `the last request failed: ${lastError instanceof Error ? lastError.message : String(lastError)}${
        lastError instanceof Error && lastError.cause instanceof Error ? ` (${lastError.cause.message})` : ''
      }`
    : `Jaeger had ${seen.length} trace${seen.length === 1 ? '' : 's'}:\n\n${printTraces(seen, { durations: false })}`;
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${wanted} at ${jaegerUrl}; ${had}`);
}
