import { context, createContextKey, propagation, trace, type Attributes, type AttributeValue, type Baggage, type Context } from '@opentelemetry/api';
import { sanitizeInboundValue } from './inbound.js';
import { ATTR_AGENTRACE_AGENT_NAME, ATTR_CORRELATION_ID, ATTR_GEN_AI_AGENT_NAME, ATTR_GEN_AI_OPERATION_NAME, GEN_AI_PREFIX } from './semconv.js';

/** Run attributes that travel in baggage by default (and are read back from incoming baggage). */
export const DEFAULT_BAGGAGE_ALLOWLIST: readonly string[] = [
  'user.id',
  'session.id',
  'tenant.id',
  'enduser.id',
  'gen_ai.conversation.id',
];

// Read on every scope change, so a plain field; replaced (never mutated) so the baggage cache can tell.
let baggageAllowlist: ReadonlySet<string> = new Set(DEFAULT_BAGGAGE_ALLOWLIST);

/** Sets which run attributes travel in baggage; `undefined` restores the default list. */
export function setBaggageAllowlist(keys: readonly string[] | undefined): void {
  baggageAllowlist = new Set(keys ?? DEFAULT_BAGGAGE_ALLOWLIST);
}

/** The run attributes that travel in baggage. */
export function getBaggageAllowlist(): ReadonlySet<string> {
  return baggageAllowlist;
}

/**
 * Which identity keys of incoming baggage (the correlation id and the baggage allowlist) are taken
 * from one kind of source: `true` all, `false` none, or the keys listed.
 */
export type BaggageTrustRule = boolean | readonly string[];

/**
 * Which sources are trusted to set the run's identity (its correlation id, `user.id`, `tenant.id`,
 * `session.id`, ...) through baggage. `true` trusts every source for every key.
 */
export interface InboundBaggageTrust {
  /**
   * Requests received by an HTTP server (and contexts extracted by instrumentations other than
   * agentrace's): anyone who can reach the port. Default `false`.
   */
  callers?: BaggageTrustRule;
  /**
   * Messages taken from a queue (RabbitMQ, BullMQ): only producers holding the broker's credentials
   * can write them. Default `['agentrace.correlation_id']`: the run continues across the hop, the
   * user, tenant and session ids do not.
   */
  messages?: BaggageTrustRule;
}

/** Where a context extracted from outside came from (see `InboundBaggageTrust`); `carrier` is `withContextCarrier`, always trusted. */
export type InboundSource = 'caller' | 'message' | 'carrier';

type TrustTest = (key: string) => boolean;
const TRUST_ALL: TrustTest = () => true;
const TRUST_NONE: TrustTest = () => false;
const DEFAULT_MESSAGE_TRUST: TrustTest = (key) => key === ATTR_CORRELATION_ID;

function trustTest(rule: BaggageTrustRule | undefined, fallback: TrustTest): TrustTest {
  if (rule === true) return TRUST_ALL;
  if (rule === false) return TRUST_NONE;
  if (Array.isArray(rule)) {
    const keys = new Set(rule.filter((k): k is string => typeof k === 'string'));
    return (key) => keys.has(key);
  }
  return fallback;
}

// Replaced (never mutated) so the baggage cache can tell.
let inboundTrust: { readonly caller: TrustTest; readonly message: TrustTest } = { caller: TRUST_NONE, message: DEFAULT_MESSAGE_TRUST };

/**
 * Sets which sources may set the run's identity through baggage (see `InboundBaggageTrust`);
 * `undefined` restores the defaults (HTTP callers: nothing; messages: the correlation id only).
 */
export function setInboundBaggageTrust(trust: boolean | InboundBaggageTrust | undefined): void {
  if (trust === true || trust === false) {
    const all = trust ? TRUST_ALL : TRUST_NONE;
    inboundTrust = { caller: all, message: all };
    return;
  }
  const t = trust !== null && typeof trust === 'object' ? trust : {};
  inboundTrust = { caller: trustTest(t.callers, TRUST_NONE), message: trustTest(t.messages, DEFAULT_MESSAGE_TRUST) };
}

/** Whether `key` is an identity key: the correlation id or a key on the baggage allowlist. */
function isIdentityKey(key: string): boolean {
  return key === ATTR_CORRELATION_ID || baggageAllowlist.has(key);
}

/** `agentrace.caller.<key>`: where an identity value the source was not trusted with is recorded. */
export function callerAttributeName(key: string): string {
  return `agentrace.caller.${key.startsWith('agentrace.') ? key.slice('agentrace.'.length) : key}`;
}

/**
 * What every span started under a decorated call carries. One immutable object per change (a run, an
 * agent switch, new run attributes), shared by all the steps below it, so a plain step allocates nothing.
 */
export interface RunScope {
  readonly correlationId: string | undefined;
  /** Run attributes merged from every level above (user, session, tenant, ...). */
  readonly runAttributes: Readonly<Attributes>;
  readonly agentName: string | undefined;
  /**
   * What `getRunAttributes` returns, for spans that are not GenAI operations: correlation id, run
   * attributes and the agent name, with every `gen_ai.X` key written `agentrace.X`
   * (`agentrace.agent.name`), so no plain span looks like a GenAI one.
   */
  readonly attributes: Readonly<Attributes>;
  /** What `getGenAiRunAttributes` returns, for GenAI operations: the same under their `gen_ai.*` names. */
  readonly genAiAttributes: Readonly<Attributes>;
  /** The run this scope belongs to, shared by every scope derived inside it; absent for scopes rebuilt from baggage. */
  readonly run: RunLifetime | undefined;
  /** What an untrusted remote source claimed (see `acceptInboundContext`); kept until a run starts. */
  readonly caller: CallerClaims | undefined;
}

/** Identity values a remote source sent but was not trusted with. */
export interface CallerClaims {
  /** The correlation id it claimed, sanitized: a run started here is not that run. */
  readonly correlationId: string | undefined;
  /** The claimed values, sanitized, under `agentrace.caller.<key>` names, for the span that received them. */
  readonly attributes: Readonly<Attributes>;
}

/**
 * One run's lifetime: the only mutable part of a scope. A run marks it ended when its span ends, so a
 * run started later from a context captured inside it (a loop or listener created by the run) can
 * tell that its parent run is over.
 */
export interface RunLifetime {
  ended: boolean;
  /** Set by `keepRun()`: a tail sampler keeps this run whatever else it decides. */
  keep?: boolean;
}

/** The run visible from the active context, as `currentRun()` returns it. */
export interface RunInfo {
  /** The run's correlation id. */
  readonly correlationId: string;
  /** Run attributes merged from every level above (never the correlation id itself). */
  readonly attributes: Readonly<Attributes>;
  /** `gen_ai.agent.name` of the innermost decorated agent, if any. */
  readonly agentName: string | undefined;
}

const SCOPE_KEY = createContextKey('agentrace.run-scope');
const EMPTY: Readonly<Attributes> = Object.freeze({});
const fromBaggageCache = new WeakMap<Baggage, { scope: RunScope | undefined; allowlist: ReadonlySet<string>; trust: typeof inboundTrust }>();

function makeScope(
  correlationId: string | undefined,
  runAttributes: Attributes,
  agentName: string | undefined,
  run: RunLifetime | undefined,
  caller?: CallerClaims,
): RunScope {
  const genAi: Attributes = { ...runAttributes };
  if (correlationId !== undefined) genAi[ATTR_CORRELATION_ID] = correlationId;
  if (agentName !== undefined) genAi[ATTR_GEN_AI_AGENT_NAME] = agentName;
  let plain: Attributes | undefined;
  for (const key in genAi) {
    if (!key.startsWith(GEN_AI_PREFIX)) continue;
    plain ??= {};
    plain[key === ATTR_GEN_AI_AGENT_NAME ? ATTR_AGENTRACE_AGENT_NAME : `agentrace.${key.slice(GEN_AI_PREFIX.length)}`] = genAi[key];
  }
  let attributes: Readonly<Attributes> = Object.freeze(genAi);
  if (plain !== undefined) {
    for (const key in genAi) if (!key.startsWith(GEN_AI_PREFIX)) plain[key] = genAi[key];
    attributes = Object.freeze(plain);
  }
  return Object.freeze({
    correlationId,
    runAttributes: Object.freeze(runAttributes),
    agentName,
    attributes,
    genAiAttributes: Object.freeze(genAi),
    run,
    caller,
  });
}

/** A scope read from incoming baggage, and the identity keys it was not trusted with. */
interface InboundScope {
  scope: RunScope | undefined;
  untrusted: string[];
}

/**
 * The scope incoming baggage gives under `trusted`: identity values sanitized (`sanitizeInboundValue`),
 * trusted ones as the run's, the others as caller claims.
 */
function inboundScope(bag: Baggage, trusted: TrustTest): InboundScope {
  let id: string | undefined;
  const runAttributes: Attributes = {};
  let claimedId: string | undefined;
  let claims: Attributes | undefined;
  const untrusted: string[] = [];
  let any = false;
  for (const [key, entry] of bag.getAllEntries()) {
    if (!isIdentityKey(key)) continue;
    const value = sanitizeInboundValue(entry.value);
    if (!trusted(key)) {
      untrusted.push(key);
      if (value === undefined) continue;
      (claims ??= {})[callerAttributeName(key)] = value;
      if (key === ATTR_CORRELATION_ID) claimedId = value;
      any = true;
      continue;
    }
    if (value === undefined) continue;
    if (key === ATTR_CORRELATION_ID) id = value;
    else runAttributes[key] = value;
    any = true;
  }
  const caller = claims === undefined ? undefined : Object.freeze({ correlationId: claimedId, attributes: Object.freeze(claims) });
  return { scope: any ? makeScope(id, runAttributes, undefined, undefined, caller) : undefined, untrusted };
}

/**
 * A scope rebuilt from baggage that no agentrace consumer vetted (a context extracted by another
 * instrumentation or by hand): treated as coming from an HTTP caller. Cached per baggage object.
 */
function scopeFromBaggage(bag: Baggage): RunScope | undefined {
  const cached = fromBaggageCache.get(bag);
  if (cached !== undefined && cached.allowlist === baggageAllowlist && cached.trust === inboundTrust) return cached.scope;
  const { scope } = inboundScope(bag, inboundTrust.caller);
  fromBaggageCache.set(bag, { scope, allowlist: baggageAllowlist, trust: inboundTrust });
  return scope;
}

/**
 * The context a consumer works in after extracting what a remote `source` sent (`ctx` holds its
 * trace context and baggage): identity values it is trusted with (`setInboundBaggageTrust`, or
 * `trusted: true` for a source the consumer vouches for) become the run's, sanitized; the others are
 * removed from the baggage, so they travel no further, and kept as claims (`callerAttributes`). Never throws.
 */
export function acceptInboundContext(ctx: Context, source: InboundSource, trusted?: boolean): Context {
  try {
    const bag = propagation.getBaggage(ctx);
    if (bag === undefined) return ctx;
    const test = trusted === true || source === 'carrier' ? TRUST_ALL : source === 'message' ? inboundTrust.message : inboundTrust.caller;
    const { scope, untrusted } = inboundScope(bag, test);
    let next = ctx;
    if (untrusted.length > 0) {
      const kept = bag.removeEntries(...untrusted);
      next = kept.getAllEntries().length === 0 ? propagation.deleteBaggage(next) : propagation.setBaggage(next, kept);
    }
    return scope === undefined ? next : next.setValue(SCOPE_KEY, scope);
  } catch {
    return ctx;
  }
}

/** The identity claims an untrusted source made in `ctx` (see `acceptInboundContext`), as attributes for the span that received them. */
export function callerAttributes(ctx: Context): Readonly<Attributes> | undefined {
  return scopeOf(ctx)?.caller?.attributes;
}

/** The scope in `ctx`: set by a decorated call here, or rebuilt from propagated baggage. */
export function scopeOf(ctx: Context): RunScope | undefined {
  const scope = ctx.getValue(SCOPE_KEY) as RunScope | undefined;
  if (scope !== undefined) return scope;
  const bag = propagation.getBaggage(ctx);
  return bag === undefined ? undefined : scopeFromBaggage(bag);
}

/** Run attribute arrays longer than this are ignored (`every` would walk a 2^32-long sparse array). */
const MAX_RUN_ATTRIBUTE_ITEMS = 128;
/** Run attribute strings are copied onto every span of the run: a 10 MB one is ignored, not copied. */
const MAX_RUN_ATTRIBUTE_CHARS = 8192;

function isAttributeValue(value: unknown): value is AttributeValue {
  const type = typeof value;
  if (type === 'string') return (value as string).length <= MAX_RUN_ATTRIBUTE_CHARS;
  if (type === 'number' || type === 'boolean') return true;
  try {
    return (
      Array.isArray(value) &&
      value.length <= MAX_RUN_ATTRIBUTE_ITEMS &&
      value.every((v) => v == null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= MAX_RUN_ATTRIBUTE_CHARS))
    );
  } catch {
    // A revoked proxy or a throwing index getter: not an attribute value, and no throw into the agent.
    return false;
  }
}

/**
 * A child scope of `parent` with the given changes, or `parent` itself when nothing changes (the
 * common case for steps, which must stay allocation-free). `run` starts a new run lifetime: always a
 * new scope.
 */
export function deriveScope(
  parent: RunScope | undefined,
  correlationId: string | undefined,
  runAttributes: Attributes | undefined,
  agentName: string | undefined,
  run?: RunLifetime,
): RunScope | undefined {
  const id = correlationId ?? parent?.correlationId;
  const name = agentName ?? parent?.agentName;
  let changed = id !== parent?.correlationId || name !== parent?.agentName;
  const inherited = parent?.runAttributes ?? EMPTY;
  let merged: Attributes | undefined;
  if (runAttributes !== undefined) {
    for (const key in runAttributes) {
      const value = runAttributes[key];
      if (!isAttributeValue(value) || key === ATTR_CORRELATION_ID) continue;
      if (inherited[key] !== value) {
        merged ??= { ...inherited };
        merged[key] = value;
        changed = true;
      }
    }
  }
  if (!changed && run === undefined) return parent;
  // A caller's claims stay visible to the steps below until a run of this process starts.
  return makeScope(id, merged ?? (inherited === EMPTY ? {} : inherited), name, run ?? parent?.run, run === undefined ? parent?.caller : undefined);
}

/** Whether `ctx` belongs to a run that has ended (a loop or listener created inside it, running on). */
export function isInEndedRun(ctx: Context): boolean {
  const scope = ctx.getValue(SCOPE_KEY) as RunScope | undefined;
  return scope?.run?.ended === true;
}

/**
 * `ctx` without any run: no active span, no baggage, no run scope; other values (a suppressed-tracing
 * flag, the user's own keys) are kept. What a loop, poller or long-lived client started inside a run
 * should run in, so the runs it starts later are not children of the run that created it.
 */
export function detachedContext(ctx: Context): Context {
  return propagation.deleteBaggage(trace.deleteSpan(ctx.deleteValue(SCOPE_KEY)));
}

/**
 * Runs `fn` outside any run (see `detachedContext`) and returns what it returns. Start background
 * loops, pollers, subscribers and long-lived clients inside it when they may be created lazily by
 * whichever run comes first: their callbacks then start runs of their own instead of joining that one.
 */
export function detached<T>(fn: () => T): T {
  return context.with(detachedContext(context.active()), fn);
}

/**
 * `ctx` carrying `scope`; the correlation id and allowlisted run attributes also go into baggage when
 * they changed, so propagators carry them to other processes.
 */
export function enterScope(ctx: Context, scope: RunScope, parent: RunScope | undefined): Context {
  let next = ctx.setValue(SCOPE_KEY, scope);
  let bag: Baggage | undefined;
  if (scope.correlationId !== undefined && scope.correlationId !== parent?.correlationId) {
    bag = (propagation.getBaggage(ctx) ?? propagation.createBaggage()).setEntry(ATTR_CORRELATION_ID, {
      value: scope.correlationId,
    });
  }
  if (scope.runAttributes !== parent?.runAttributes) {
    for (const key in scope.runAttributes) {
      const value = scope.runAttributes[key];
      if (value === parent?.runAttributes[key] || !baggageAllowlist.has(key)) continue;
      bag = (bag ?? propagation.getBaggage(ctx) ?? propagation.createBaggage()).setEntry(key, {
        value: Array.isArray(value) ? value.join(',') : String(value),
      });
    }
  }
  if (bag !== undefined) next = propagation.setBaggage(next, bag);
  return next;
}

/**
 * The attributes every span started in `ctx` must carry: the run's correlation id, the run attributes
 * (in process: all of them; from another process: those on the baggage allowlist) and the name of the
 * active decorated agent. This is the set for spans that are not GenAI operations (steps, HTTP calls,
 * queue hops): the agent's name is `agentrace.agent.name`, and any other `gen_ai.X` run attribute is
 * written `agentrace.X`, since backends take a span with a `gen_ai.*` attribute for a GenAI span. GenAI
 * operations take `getGenAiRunAttributes`. The tracer's span processor picks the right one in `onStart`
 * for every span, so HTTP and queue spans carry them too. The returned object is shared: read it, never
 * mutate it.
 */
export function getRunAttributes(ctx: Context): Attributes {
  return scopeOf(ctx)?.attributes ?? EMPTY;
}

/**
 * `getRunAttributes` for a GenAI operation (a model call, `invoke_agent`, `execute_tool`): the same
 * values with their GenAI names (`gen_ai.agent.name`, `gen_ai.conversation.id`).
 */
export function getGenAiRunAttributes(ctx: Context): Attributes {
  return scopeOf(ctx)?.genAiAttributes ?? EMPTY;
}

/** Whether a span with these (start) attributes is a GenAI operation: it names one in `gen_ai.operation.name`. */
export function isGenAiOperation(attributes: Attributes | undefined): boolean {
  return typeof attributes?.[ATTR_GEN_AI_OPERATION_NAME] === 'string';
}

/** The correlation id of the run in the active context, if any. */
export function correlationId(): string | undefined {
  return scopeOf(context.active())?.correlationId;
}

/** The run in the active context (correlation id, run attributes, agent name), or undefined outside a run. */
export function currentRun(): RunInfo | undefined {
  const scope = scopeOf(context.active());
  if (scope?.correlationId === undefined) return undefined;
  return { correlationId: scope.correlationId, attributes: scope.runAttributes, agentName: scope.agentName };
}

/**
 * Runs `fn` with `attributes` merged into the current run attributes (never replacing what a parent set
 * for other keys); every span started inside carries them. Returns what `fn` returns, unchanged.
 */
export function withRunAttributes<T>(attributes: Attributes, fn: () => T): T {
  const ctx = context.active();
  const parent = scopeOf(ctx);
  const scope = deriveScope(parent, undefined, attributes, undefined);
  if (scope === parent || scope === undefined) return fn();
  return context.with(enterScope(ctx, scope, parent), fn);
}

/** A fresh correlation id. */
export function generateCorrelationId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID !== undefined) return c.randomUUID();
  return `${Date.now().toString(16)}-${Math.random().toString(16).slice(2)}`;
}
