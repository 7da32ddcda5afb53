// `@agentrace/testing/vitest`: the kit's assertions as vitest matchers. Importing this entry
// registers the matchers, a snapshot serializer for trace trees, and a `beforeEach` that resets the
// `setupTracing()` setups that asked for it (`autoReset`, on by default) before each test that does
// not run concurrently.
import { formatTraceTree, type TraceTree } from '@agentrace/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, expect } from 'vitest';
import {
  assertAllSpansEnded,
  assertExceptionEvent,
  assertNoCrossRunSpans,
  assertNoOrphans,
  assertTraceShape,
  TraceAssertionError,
  type ErrorType,
} from './assertions.js';
import { resetRegisteredSetups } from './auto-reset.js';
import { setupTracing, type TestTracing } from './setup-tracing.js';
import { isTraceTree } from './span-view.js';
import type {
  ExceptionEventOptions,
  NoCrossRunOptions,
  NoOrphansOptions,
  SetupTracingOptions,
  TraceShape,
  TraceShapeOptions,
} from './types.js';

/** The matchers this entry adds to `expect`. */
export interface TraceMatchers<R = unknown> {
  /** The trace (tree, spans of one trace, or tracing setup) has exactly this shape. */
  toHaveTraceShape(shape: TraceShape, options?: TraceShapeOptions): R;
  /** Every span started (since the last reset) has ended; the received value is the tracing setup. */
  toHaveEndedAllSpans(): R;
  /** Every span's parent is in its trace. */
  toHaveNoOrphanSpans(options?: NoOrphansOptions): R;
  /** No trace holds spans of two runs (by correlation id). */
  toHaveNoCrossRunSpans(options?: NoCrossRunOptions): R;
  /** The span (or tree node) has an `exception` event of this type. */
  toHaveExceptionEvent(type: ErrorType, options?: ExceptionEventOptions): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends TraceMatchers<T> {}
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
  expected?: unknown;
  actual?: unknown;
}

/** Runs a plain assertion as a matcher; `negated` is the message when `.not` fails. */
function asMatcher(assertion: () => void, negated: string): MatcherResult {
  try {
    assertion();
    return { pass: true, message: () => negated };
  } catch (error) {
    if (!(error instanceof TraceAssertionError)) throw error;
    const result: MatcherResult = { pass: false, message: () => error.message };
    if (error.showDiff) {
      result.expected = error.expected;
      result.actual = error.actual;
    }
    return result;
  }
}

/** The matchers as an object, for `expect.extend` in setups that load them by hand. */
export const traceMatchers = {
  toHaveTraceShape(received: unknown, shape: TraceShape, options?: TraceShapeOptions): MatcherResult {
    return asMatcher(() => assertTraceShape(received as TraceTree, shape, options), 'Expected the trace not to have this shape, but it has.');
  },
  toHaveEndedAllSpans(received: unknown): MatcherResult {
    return asMatcher(() => assertAllSpansEnded(received as TestTracing), 'Expected some span to be open, but every span has ended.');
  },
  toHaveNoOrphanSpans(received: unknown, options?: NoOrphansOptions): MatcherResult {
    return asMatcher(() => assertNoOrphans(received as TraceTree, options), 'Expected an orphan span, but every parent is in its trace.');
  },
  toHaveNoCrossRunSpans(received: unknown, options?: NoCrossRunOptions): MatcherResult {
    return asMatcher(() => assertNoCrossRunSpans(received as TraceTree, options), 'Expected some trace to mix runs, but none does.');
  },
  toHaveExceptionEvent(received: unknown, type: ErrorType, options?: ExceptionEventOptions): MatcherResult {
    return asMatcher(
      () => assertExceptionEvent(received as ReadableSpan, type, options),
      `Expected the span not to have an exception event of type ${typeof type === 'string' ? type : type.name}, but it has.`,
    );
  },
};

expect.extend(traceMatchers);

// `expect(tree).toMatchSnapshot()` stores the printed tree, without durations (they change every run).
expect.addSnapshotSerializer({
  test: (value: unknown) => isTraceTree(value),
  serialize: (value: TraceTree) => formatTraceTree(value, { durations: false }),
});

try {
  beforeEach(({ task }) => {
    // Concurrent tests share the spans of the file: resetting for one would wipe the others' runs
    // mid-flight, so they are left to query their own runs (getRunTree, spansOfRun) instead.
    if (!task.concurrent) resetRegisteredSetups();
  });
} catch {
  // Imported outside a test file's collection (no suite to attach to): no auto reset then.
}

/**
 * `setupTracing()` for one test file: resets before each test (unless `autoReset: false`) and
 * shuts down after the file's last test.
 */
export function useTracing(options?: SetupTracingOptions): TestTracing {
  const tracing = setupTracing(options);
  afterAll(() => tracing.shutdown());
  return tracing;
}
