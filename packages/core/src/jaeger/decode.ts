// Jaeger JSON back to OpenTelemetry's span model: the fields Jaeger keeps as tags (kind, status,
// scope) become span fields again, ids get their fixed width back, and nothing loses precision.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { AttributeValue, Attributes, HrTime, Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import { buildTraceTrees, type FinishedSpanLike, type TraceTree } from '../trace-tree.js';
import type { JaegerKeyValue, JaegerSpan, JaegerTrace } from './model.js';

/**
 * A span read back from Jaeger: every field of the SDK's `ReadableSpan` except that `resource` is a
 * plain `{ attributes }` (this package depends on `@opentelemetry/api` only). Works with
 * `buildTraceTrees` and anything else that takes a {@link FinishedSpanLike}.
 */
export interface JaegerFinishedSpan extends FinishedSpanLike {
  readonly parentSpanContext: SpanContext | undefined;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly events: { name: string; time: HrTime; attributes: Attributes }[];
  readonly links: Link[];
  readonly ended: true;
  /** The process's tags and its `service.name`. */
  readonly resource: { readonly attributes: Attributes };
  readonly instrumentationScope: { name: string; version?: string };
  /** Jaeger keeps no dropped counts: always 0. */
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
}

const KIND_TAG = 'span.kind';
const STATUS_CODE_TAG = 'otel.status_code';
const STATUS_MESSAGE_TAG = 'otel.status_description';
const ERROR_TAG = 'error';
const SCOPE_TAGS: readonly string[] = ['otel.scope.name', 'otel.library.name'];
const SCOPE_VERSION_TAGS: readonly string[] = ['otel.scope.version', 'otel.library.version'];
/** Tags that were span fields, not attributes. */
const FIELD_TAGS: ReadonlySet<string> = new Set([KIND_TAG, STATUS_CODE_TAG, STATUS_MESSAGE_TAG, ...SCOPE_TAGS, ...SCOPE_VERSION_TAGS, 'internal.span.format']);

const KINDS: Readonly<Record<string, SpanKind>> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

/** Jaeger drops the leading zeros of ids (a 128-bit trace id whose high half is zero comes back 16 wide); OTel ids are fixed width. */
function traceIdOf(id: string): string {
  return id.padStart(32, '0');
}

function spanIdOf(id: string): string {
  return id.padStart(16, '0');
}

function contextOf(traceId: string, spanId: string): SpanContext {
  // Jaeger stores only sampled spans.
  return { traceId: traceIdOf(traceId), spanId: spanIdOf(spanId), traceFlags: 1 };
}

function microsToHrTime(us: number): HrTime {
  const seconds = Math.floor(us / 1e6);
  return [seconds, Math.round((us - seconds * 1e6) * 1e3)];
}

const isUnsafeInteger = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value);

/**
 * Jaeger stores an array attribute as its JSON text: read back an array of one primitive type, so
 * the span compares with the in-memory one. (A string attribute that is exactly such JSON is read as
 * an array too.) An array holding an integer past 2^53 stays text: parsing would change it.
 */
function arrayFromJson(text: string): AttributeValue | undefined {
  if (!text.startsWith('[') || !text.endsWith(']')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.some(isUnsafeInteger)) return undefined;
  const types = new Set(parsed.filter((v) => v !== null).map((v) => typeof v));
  if (types.size > 1 || [...types].some((t) => t !== 'string' && t !== 'number' && t !== 'boolean')) return undefined;
  return parsed as AttributeValue;
}

function valueOf(kv: JaegerKeyValue): AttributeValue {
  const { value } = kv;
  if (typeof value === 'string') {
    if (kv.type === 'int64' && /^-?\d+$/.test(value)) {
      // Past 2^53 a number would round: the exact digits stay a string.
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value;
    }
    return arrayFromJson(value) ?? value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) return value as AttributeValue;
  return JSON.stringify(value) ?? String(value);
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

function statusOf(span: JaegerSpan): { status: SpanStatus; errorTagIsStatus: boolean } {
  const code = tag(span, [STATUS_CODE_TAG]);
  // Old exporters set only `error=true`; the flag then is the status, not an attribute.
  const isError = code === 'ERROR' || (code === undefined && tag(span, [ERROR_TAG]) === true);
  const message = tag(span, [STATUS_MESSAGE_TAG]);
  const status: SpanStatus = { code: isError ? SpanStatusCode.ERROR : code === 'OK' ? SpanStatusCode.OK : SpanStatusCode.UNSET };
  if (message !== undefined) status.message = String(message);
  return { status, errorTagIsStatus: isError };
}

function spanOf(span: JaegerSpan, trace: JaegerTrace): JaegerFinishedSpan {
  const spanContext = contextOf(span.traceID, span.spanID);
  const references = span.references ?? [];
  // The parent is the first CHILD_OF reference into the same trace; every other reference was a link.
  const parentRef = references.find((ref) => ref.refType === 'CHILD_OF' && traceIdOf(ref.traceID) === spanContext.traceId);
  const { status, errorTagIsStatus } = statusOf(span);
  const skip = errorTagIsStatus ? new Set([...FIELD_TAGS, ERROR_TAG]) : FIELD_TAGS;
  const proc = span.processID === undefined ? undefined : trace.processes?.[span.processID];
  const resourceAttributes = attributesOf(proc?.tags);
  if (proc?.serviceName !== undefined) resourceAttributes['service.name'] = proc.serviceName;
  const scopeVersion = tag(span, SCOPE_VERSION_TAGS);
  return {
    name: span.operationName,
    kind: KINDS[String(tag(span, [KIND_TAG]) ?? 'internal').toLowerCase()] ?? SpanKind.INTERNAL,
    spanContext: () => spanContext,
    parentSpanContext: parentRef ? contextOf(parentRef.traceID, parentRef.spanID) : undefined,
    startTime: microsToHrTime(span.startTime),
    endTime: microsToHrTime(span.startTime + span.duration),
    duration: microsToHrTime(span.duration),
    status,
    attributes: attributesOf(span.tags, skip),
    // Jaeger keeps no link attributes.
    links: references.filter((ref) => ref !== parentRef).map((ref) => ({ context: contextOf(ref.traceID, ref.spanID) })),
    events: (span.logs ?? []).map((log) => {
      const name = log.fields.find((f) => f.key === 'event');
      return {
        name: name ? String(name.value) : 'log',
        time: microsToHrTime(log.timestamp),
        attributes: attributesOf(log.fields.filter((f) => f !== name)),
      };
    }),
    ended: true,
    resource: { attributes: resourceAttributes },
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
 * A trace of Jaeger's query API (an element of `data`) as finished spans. Span kind, status, scope,
 * events and service are read back from the tags and logs Jaeger stored them in; ids are padded to
 * their fixed width (parents and links too); array attributes, kept by Jaeger as JSON text, are
 * arrays again; an `int64` past 2^53 stays an exact string. What Jaeger drops stays dropped: link
 * attributes, `isRemote`, dropped counts.
 */
export function jaegerTraceToSpans(trace: JaegerTrace): JaegerFinishedSpan[] {
  return trace.spans.map((span) => spanOf(span, trace));
}

/** A trace of Jaeger's query API as a trace tree, the same model as in-memory traces. */
export function jaegerTraceToTree(trace: JaegerTrace): TraceTree {
  return buildTraceTrees(jaegerTraceToSpans(trace))[0] ?? { traceId: traceIdOf(trace.traceID), roots: [] };
}
