import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/**
 * Ended spans in a compact form that crosses to the export worker cheaply: numbers in one
 * Float64Array (transferred, not copied), strings in one array where a string met twice in the table
 * is stored once (attribute keys, names, trace ids, run ids), and the rare structured values (events,
 * links, array attributes) structured-cloned as they are. Building it costs the agent's thread a
 * fraction of encoding OTLP (bench/export-loop.ts), and the spans themselves are released at once,
 * so they die young instead of waiting a whole batch interval in the old generation.
 */
export interface SpanTable {
  /** Spans in the table. */
  count: number;
  /** The numbers, `used` of them meaningful. */
  nums: ArrayBuffer;
  used: number;
  strings: string[];
  extras: unknown[];
  /** Resources and scopes first met in this table, by the id the spans refer to. */
  resources: { id: number; attributes: Attributes; schemaUrl?: string }[];
  scopes: { id: number; name: string; version?: string; schemaUrl?: string; attributes?: Attributes }[];
}

/** Attribute value kinds in the table. */
const STRING = 0;
const NUMBER = 1;
const BOOLEAN = 2;
const EXTRA = 3;
/** Numbers per span before its attributes (see `add`). */
const FIXED = 22;
const NONE = -1;

/** Some resources expose their attributes only once asynchronous detectors settle. */
type MaybeAsyncResource = ReadableSpan['resource'] & { asyncAttributesPending?: boolean; waitForAsyncAttributes?: () => Promise<void> };

/** Builds {@link SpanTable}s on the agent's thread, one span at a time. */
export class SpanTableWriter {
  private nums = new Float64Array(8192);
  private used = 0;
  private count = 0;
  private strings: string[] = [];
  private index = new Map<string, number>();
  private extras: unknown[] = [];
  private newResources: SpanTable['resources'] = [];
  private newScopes: SpanTable['scopes'] = [];
  // Identity maps: the SDK shares one resource object per provider and one scope object per tracer.
  // Weak, so a provider or tracer that goes away takes its entry along.
  private readonly resourceIds = new WeakMap<object, number>();
  private readonly scopeIds = new WeakMap<object, number>();
  private nextResource = 0;
  private nextScope = 0;
  /** Resources whose attributes were still pending when first met: the table waits for them. */
  private pending: Promise<void>[] = [];

  get size(): number {
    return this.count;
  }

  /** A resource's detectors still running: the table must not be sent before `ready()`. */
  get waiting(): boolean {
    return this.pending.length > 0;
  }

  /** Resolves when every resource in the table has its attributes. */
  async ready(): Promise<void> {
    while (this.pending.length) {
      const all = this.pending;
      this.pending = [];
      await Promise.all(all.map((p) => p.catch(() => undefined)));
    }
  }

  /** Interned: a string seen before in this table costs one number. */
  private str(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  /** Not interned: span ids are (nearly) all distinct, a map lookup would cost more than it saves. */
  private raw(s: string): number {
    this.strings.push(s);
    return this.strings.length - 1;
  }

  private extra(v: unknown): number {
    this.extras.push(v);
    return this.extras.length - 1;
  }

  private resourceId(resource: MaybeAsyncResource): number {
    let id = this.resourceIds.get(resource);
    if (id !== undefined) return id;
    id = this.nextResource++;
    this.resourceIds.set(resource, id);
    if (resource.asyncAttributesPending && resource.waitForAsyncAttributes) {
      const def = { id, attributes: {} as Attributes, schemaUrl: resource.schemaUrl };
      this.newResources.push(def);
      this.pending.push(resource.waitForAsyncAttributes().then(() => void (def.attributes = { ...resource.attributes })));
    } else {
      this.newResources.push({ id, attributes: { ...resource.attributes }, schemaUrl: resource.schemaUrl });
    }
    return id;
  }

  private scopeId(scope: ReadableSpan['instrumentationScope']): number {
    let id = this.scopeIds.get(scope);
    if (id !== undefined) return id;
    id = this.nextScope++;
    this.scopeIds.set(scope, id);
    const s = scope as typeof scope & { attributes?: Attributes };
    this.newScopes.push({ id, name: s.name, version: s.version, schemaUrl: s.schemaUrl, attributes: s.attributes ? { ...s.attributes } : undefined });
    return id;
  }

  private grow(need: number): void {
    if (this.used + need <= this.nums.length) return;
    const next = new Float64Array(Math.max(this.nums.length * 2, this.used + need));
    next.set(this.nums.subarray(0, this.used));
    this.nums = next;
  }

  add(span: ReadableSpan): void {
    const attributes = span.attributes;
    let attributeCount = 0;
    for (const _ in attributes) attributeCount++;
    this.grow(FIXED + 3 * attributeCount);
    const a = this.nums;
    let n = this.used;
    const ctx = span.spanContext();
    const parent = span.parentSpanContext;
    a[n++] = this.resourceId(span.resource);
    a[n++] = this.scopeId(span.instrumentationScope);
    a[n++] = this.str(ctx.traceId);
    a[n++] = this.raw(ctx.spanId);
    a[n++] = ctx.traceFlags;
    const traceState = ctx.traceState?.serialize();
    a[n++] = traceState ? this.str(traceState) : NONE;
    a[n++] = parent?.spanId ? this.raw(parent.spanId) : NONE;
    a[n++] = parent?.isRemote === undefined ? NONE : parent.isRemote ? 1 : 0;
    a[n++] = this.str(span.name);
    a[n++] = span.kind;
    a[n++] = span.startTime[0];
    a[n++] = span.startTime[1];
    a[n++] = span.endTime[0];
    a[n++] = span.endTime[1];
    a[n++] = span.status.code;
    a[n++] = span.status.message ? this.str(span.status.message) : NONE;
    a[n++] = span.droppedAttributesCount;
    a[n++] = span.droppedEventsCount;
    a[n++] = span.droppedLinksCount;
    a[n++] = span.events.length ? this.extra(span.events) : NONE;
    a[n++] = span.links.length ? this.extra(span.links.map(plainLink)) : NONE;
    a[n++] = attributeCount;
    for (const key in attributes) {
      const v = attributes[key];
      a[n++] = this.str(key);
      if (typeof v === 'string') {
        a[n++] = STRING;
        a[n++] = this.str(v);
      } else if (typeof v === 'number') {
        a[n++] = NUMBER;
        a[n++] = v;
      } else if (typeof v === 'boolean') {
        a[n++] = BOOLEAN;
        a[n++] = v ? 1 : 0;
      } else {
        a[n++] = EXTRA;
        a[n++] = this.extra(v);
      }
    }
    this.used = n;
    this.count++;
  }

  /** The table so far (its buffer to be transferred), and a fresh one started. */
  take(): SpanTable {
    const table: SpanTable = {
      count: this.count,
      nums: this.nums.buffer as ArrayBuffer,
      used: this.used,
      strings: this.strings,
      extras: this.extras,
      resources: this.newResources,
      scopes: this.newScopes,
    };
    this.nums = new Float64Array(Math.max(1024, Math.min(this.used * 2, 1 << 20)));
    this.used = 0;
    this.count = 0;
    this.strings = [];
    this.index = new Map();
    this.extras = [];
    this.newResources = [];
    this.newScopes = [];
    return table;
  }
}

/** A link without its TraceState object (not cloneable as such): the state travels serialized. */
function plainLink(link: Link): unknown {
  const c = link.context;
  return {
    context: { traceId: c.traceId, spanId: c.spanId, traceFlags: c.traceFlags, isRemote: c.isRemote, traceState: c.traceState?.serialize() },
    attributes: link.attributes,
    droppedAttributesCount: link.droppedAttributesCount,
  };
}

const serializedState = (s: string) => ({ serialize: () => s }) as unknown as SpanContext['traceState'];

/** Reads tables back into span objects the OTLP serializers take, on the worker's side. */
export class SpanTableReader {
  private readonly resources = new Map<number, ReadableSpan['resource']>();
  private readonly scopes = new Map<number, ReadableSpan['instrumentationScope']>();

  read(table: SpanTable): ReadableSpan[] {
    for (const r of table.resources) {
      this.resources.set(r.id, { attributes: r.attributes, schemaUrl: r.schemaUrl, asyncAttributesPending: false } as unknown as ReadableSpan['resource']);
    }
    for (const s of table.scopes) this.scopes.set(s.id, s as ReadableSpan['instrumentationScope']);
    const a = new Float64Array(table.nums, 0, table.used);
    const { strings, extras } = table;
    const out: ReadableSpan[] = new Array(table.count);
    let n = 0;
    for (let i = 0; i < table.count; i++) {
      const resource = this.resources.get(a[n++]!)!;
      const scope = this.scopes.get(a[n++]!)!;
      const traceId = strings[a[n++]!]!;
      const spanId = strings[a[n++]!]!;
      const traceFlags = a[n++]!;
      const ts = a[n++]!;
      const context: SpanContext = { traceId, spanId, traceFlags };
      if (ts !== NONE) context.traceState = serializedState(strings[ts]!);
      const parentId = a[n++]!;
      const parentRemote = a[n++]!;
      const parentSpanContext: SpanContext | undefined =
        parentId === NONE ? undefined : { traceId, spanId: strings[parentId]!, traceFlags, isRemote: parentRemote === NONE ? undefined : parentRemote === 1 };
      const name = strings[a[n++]!]!;
      const kind = a[n++]! as SpanKind;
      const startTime: HrTime = [a[n++]!, a[n++]!];
      const endTime: HrTime = [a[n++]!, a[n++]!];
      const code = a[n++]!;
      const message = a[n++]!;
      const status: SpanStatus = message === NONE ? { code } : { code, message: strings[message]! };
      const droppedAttributesCount = a[n++]!;
      const droppedEventsCount = a[n++]!;
      const droppedLinksCount = a[n++]!;
      const events = a[n++]!;
      const links = a[n++]!;
      const attributeCount = a[n++]!;
      const attributes: Attributes = {};
      for (let k = 0; k < attributeCount; k++) {
        const key = strings[a[n++]!]!;
        const type = a[n++]!;
        const v = a[n++]!;
        attributes[key] = type === STRING ? strings[v]! : type === NUMBER ? v : type === BOOLEAN ? v === 1 : (extras[v] as Attributes[string]);
      }
      out[i] = {
        name,
        kind,
        spanContext: () => context,
        parentSpanContext,
        startTime,
        endTime,
        status,
        attributes,
        links:
          links === NONE
            ? []
            : (extras[links] as Link[]).map((l) => {
                const c = l.context as SpanContext & { traceState?: unknown };
                const state = c.traceState as string | undefined;
                return { ...l, context: { ...c, traceState: state ? serializedState(state) : undefined } };
              }),
        events: events === NONE ? [] : (extras[events] as TimedEvent[]),
        duration: [endTime[0] - startTime[0], endTime[1] - startTime[1]],
        ended: true,
        resource,
        instrumentationScope: scope,
        droppedAttributesCount,
        droppedEventsCount,
        droppedLinksCount,
      };
    }
    return out;
  }
}
