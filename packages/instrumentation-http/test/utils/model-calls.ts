// What the model-call test files share: in-memory tracing, the HTTP instrumentation, the local model
// server, and a way to run one SDK call without agentrace and then with it, to compare the results.
import { AgentraceHttpInstrumentation, type AgentraceHttpInstrumentationConfig } from '@agentrace/instrumentation-http';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, expect, vi } from 'vitest';
import { startModelServer, type ModelServer } from './model-server.js';

export interface ModelCallSetup {
  tracing: TestTracing;
  server: ModelServer;
  /**
   * Runs `call` with the instrumentation disabled, then enabled, and returns what each run gave
   * (a thrown error becomes a description of it). The spans are those of the traced run only.
   */
  bothWays<T>(call: () => Promise<T>): Promise<{ untraced: string; traced: string; value: T | undefined }>;
  /** The CLIENT spans ended so far, waiting until there are `count`. */
  clientSpans(count?: number): Promise<ReadableSpan[]>;
}

/** A thrown error as the caller sees it: its class, message, status and own fields. */
export function describeThrown(error: unknown): string {
  if (!(error instanceof Error)) return `thrown ${JSON.stringify(error)}`;
  const own: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    // Header objects print as {} but compare by content.
    own[key] = value instanceof Headers ? [...(value as unknown as Iterable<[string, string]>)] : value;
  }
  return JSON.stringify({ class: error.constructor.name, message: error.message, own });
}

/** Stable text of any SDK result (responses, chunk lists, errors). */
export function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Headers ? [...(v as unknown as Iterable<[string, string]>)] : v));
}

export async function setupModelCalls(config: AgentraceHttpInstrumentationConfig = {}): Promise<ModelCallSetup> {
  const tracing = setupTracing();
  const instrumentation = new AgentraceHttpInstrumentation(config);
  const server = await startModelServer();
  afterAll(async () => {
    instrumentation.disable();
    await server.close();
    await tracing.shutdown();
  });
  beforeEach(() => tracing.reset());
  const run = async <T>(call: () => Promise<T>): Promise<{ text: string; value: T | undefined }> => {
    try {
      const value = await call();
      return { text: stable(value), value };
    } catch (error) {
      return { text: describeThrown(error), value: undefined };
    }
  };
  return {
    tracing,
    server,
    async bothWays(call) {
      instrumentation.disable();
      tracing.reset();
      const untraced = await run(call);
      // Disabled means untouched: no span at all.
      expect(tracing.spans().filter((s) => s.kind === SpanKind.CLIENT)).toEqual([]);
      instrumentation.enable();
      tracing.reset();
      const traced = await run(call);
      return { untraced: untraced.text, traced: traced.text, value: traced.value };
    },
    async clientSpans(count = 1) {
      await vi.waitFor(() => expect(tracing.spans().filter((s) => s.kind === SpanKind.CLIENT).length).toBeGreaterThanOrEqual(count), { timeout: 5000 });
      return tracing.spans().filter((s) => s.kind === SpanKind.CLIENT);
    },
  };
}

/** Keys of `gen_ai.*` attributes whose value holds message text: never there with capture off. */
export const CONTENT_ATTRIBUTES = ['gen_ai.system_instructions', 'gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.tool.definitions'];
