// What makes a trace hard to read in the Jaeger UI, as checks a test can assert are absent, and a
// runner that starts an example as a user would and reads its traces back through the links it printed.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SpanKind, type HrTime } from '@opentelemetry/api';
import type { FinishedSpanLike } from '@agentrace/core';
import { jaegerApiUrlForLink, jaegerTraceToSpans, parseJaegerJson, type JaegerTrace, type JaegerTracesResponse } from '@agentrace/core/jaeger';
import { runProcess } from './run-process.js';

const µs = (t: HrTime): number => t[0] * 1e6 + t[1] / 1e3;

/**
 * Jaeger stores start and duration in whole microseconds, each truncated: a child that ends with its
 * parent can read up to 2 µs past it once stored. Nothing the UI can show.
 */
const JAEGER_ROUNDING_US = 2;

/**
 * What would mislead a person reading these spans in the Jaeger UI; empty when nothing does:
 * - a child that starts before or ends after its parent in the same process (messaging consumers and
 *   spans under a producer run after it by design and are not checked);
 * - the same exception (type, message and stack) recorded again on an ancestor of the span that
 *   recorded it;
 * - a `gen_ai.*` attribute on a span that is not a GenAI operation (no `gen_ai.operation.name`):
 *   Jaeger's UI shows any such span in its GenAI view.
 */
export function readabilityProblems(spans: readonly FinishedSpanLike[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const service = (s: FinishedSpanLike): unknown => s.resource?.attributes?.['service.name'];
  const problems: string[] = [];
  for (const span of spans) {
    const name = `"${span.name}" (${span.spanContext().spanId})`;
    const parent = span.parentSpanContext === undefined ? undefined : byId.get(span.parentSpanContext.spanId);
    if (parent !== undefined && span.kind !== SpanKind.CONSUMER && parent.kind !== SpanKind.PRODUCER && service(parent) === service(span)) {
      const start = µs(span.startTime);
      const end = start + µs(span.duration);
      const parentStart = µs(parent.startTime);
      const parentEnd = parentStart + µs(parent.duration);
      if (start < parentStart) problems.push(`${name} starts ${(parentStart - start).toFixed(1)} µs before its parent "${parent.name}"`);
      if (end > parentEnd + JAEGER_ROUNDING_US) problems.push(`${name} ends ${(end - parentEnd).toFixed(1)} µs after its parent "${parent.name}"`);
    }
    const exceptions = span.events.filter((e) => e.name === 'exception').map(exceptionKey);
    for (let up = parent; up !== undefined && exceptions.length > 0; ) {
      for (const e of up.events) {
        if (e.name === 'exception' && exceptions.includes(exceptionKey(e))) {
          problems.push(`${name}'s exception is recorded again on its ancestor "${up.name}"`);
        }
      }
      up = up.parentSpanContext === undefined ? undefined : byId.get(up.parentSpanContext.spanId);
    }
    if (span.attributes['gen_ai.operation.name'] === undefined) {
      const genAi = Object.keys(span.attributes).filter((k) => k.startsWith('gen_ai.'));
      if (genAi.length > 0) problems.push(`${name} is not a GenAI operation but has ${genAi.join(', ')}`);
    }
  }
  return problems;
}

function exceptionKey(event: FinishedSpanLike['events'][number]): string {
  const a = event.attributes ?? {};
  return JSON.stringify([a['exception.type'], a['exception.message'], a['exception.stacktrace']]);
}

/** The Jaeger UI links in `text`: trace pages (`/trace/<id>`) and searches (`/search?…`), in order. */
export function printedJaegerLinks(text: string): { traces: string[]; searches: string[] } {
  return {
    traces: [...text.matchAll(/https?:\/\/[^\s"'<>]+\/trace\/[0-9a-f]{32}/g)].map((m) => m[0]),
    searches: [...text.matchAll(/https?:\/\/[^\s"'<>]+\/search\?[^\s"'<>]+/g)].map((m) => m[0]),
  };
}

/** What a UI link answers: the query API's traces for it, once Jaeger has them (polled up to `timeoutMs`). */
export async function tracesBehindLink(link: string, { timeoutMs = 15_000, minSpans = 1 } = {}): Promise<JaegerTrace[]> {
  const api = jaegerApiUrlForLink(link);
  if (api === undefined) throw new Error(`${link} is not a Jaeger UI trace or search link`);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const response = await fetch(api).catch((error: unknown) => ({ ok: false, status: 0, text: async () => String(error) }) as const);
    if (response.ok) {
      const body = parseJaegerJson(await response.text()) as JaegerTracesResponse;
      const traces = body.data ?? [];
      if (traces.length > 0 && traces.every((t) => t.spans.length >= minSpans)) return traces;
      last = `${traces.length} traces`;
    } else {
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
    }
    if (Date.now() > deadline) throw new Error(`${link} (API ${api}) gave no trace within ${timeoutMs} ms; last answer: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What {@link runExample} saw. */
export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  links: { traces: string[]; searches: string[] };
  /** The traces behind the printed trace links, as finished spans, in the order printed. */
  traces: { link: string; traceId: string; spans: ReturnType<typeof jaegerTraceToSpans> }[];
}

/**
 * Runs an example's entry script (`src/main.ts` by default) with tsx from the example's own
 * dependencies, as `pnpm start` would, then reads every trace whose link it printed back from Jaeger.
 */
export async function runExample(dir: string, { script = 'src/main.ts', env = {}, args = [] as string[], timeoutMs = 15_000 } = {}): Promise<ExampleRun> {
  const tsx = createRequire(join(dir, 'package.json')).resolve('tsx/cli');
  const result = await runProcess(process.execPath, [tsx, script, ...args], { cwd: dir, env: { ...process.env, ...env } });
  const links = printedJaegerLinks(result.stdout);
  const traces: ExampleRun['traces'] = [];
  for (const link of links.traces) {
    const [trace] = await tracesBehindLink(link, { timeoutMs });
    const spans = trace === undefined ? [] : jaegerTraceToSpans(trace);
    traces.push({ link, traceId: link.slice(-32), spans });
  }
  return { ...result, links, traces };
}
