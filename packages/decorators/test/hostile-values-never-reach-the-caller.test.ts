// Issue 8, "bad input corpus": every value of the shared hostile corpus goes through a decorated call
// with capture fully on, as argument, result and thrown object, and through the attribute mappers.
// The caller must see exactly what the undecorated function gives, and what is recorded stays capped.
import { createHostileProbe, hostileValues } from '@agentrace/testing';
import { useTracing } from '@agentrace/testing/vitest';
import { configureCapture, traced } from '@agentrace/decorators';
import { resetCaptureConfig } from '../src/capture.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SERIALIZE_DEFAULTS, utf8Length } from '@agentrace/core';

/** The caps of captured values: the serializer's defaults (8192 UTF-8 bytes per attribute value). */
const MAX_BYTES = SERIALIZE_DEFAULTS.maxBytes;
/** Any of the serializer's truncation markers (bytes, string length, keys, items, depth, huge BigInt). */
const TRUNCATION_MARKER = /…\[truncated\]|…\[\+\d+ chars\]|\[\+\d+ keys\]|…\[\+\d+ items\]|"\[(?:Object|Array\(\d+\)|Map\(\d+\)|Set\(\d+\)|Error: [^"]*)\]"|\[BigInt: /;
/**
 * Reads of instrumented getters and proxy traps allowed per value for the calls of one test: a few per
 * call and per capture (about 100 for a proxy claiming 100,000 keys); the bound shows the walk never
 * iterates a hostile value's claimed size.
 */
const MAX_PROBE_READS = 1000;

const tracing = useTracing({ serviceName: 'hostile-values-decorators' });
afterAll(() => resetCaptureConfig());
beforeEach(() => {
  resetCaptureConfig();
  configureCapture({ enabled: true });
});

/** `instanceof Promise` that survives revoked proxies and throwing traps. */
function isNativePromise(v: unknown): boolean {
  try {
    return v instanceof Promise;
  } catch {
    return false;
  }
}

/** Calls `fn(value)`, which must not throw and must give back the same value (a native promise: a promise settling like it). */
function expectReturnedAsIs(fn: (input: unknown) => unknown, value: unknown): void {
  let returned: unknown;
  expect(() => {
    returned = fn(value);
  }).not.toThrow();
  if (isNativePromise(value)) expect(isNativePromise(returned)).toBe(true);
  else expect(Object.is(returned, value)).toBe(true);
}

/** What `fn(value)` throws (`'nothing thrown'` when it returns). */
function thrownBy(fn: (input: unknown) => unknown, value: unknown): unknown {
  try {
    fn(value);
  } catch (error) {
    return error;
  }
  return 'nothing thrown';
}

/** What `promise` rejects with (`'not rejected'` when it fulfils), boxed: a thenable reason must not be adopted. */
function rejectionOf(promise: Promise<unknown>): Promise<{ reason: unknown }> {
  return promise.then(
    () => ({ reason: 'not rejected' }),
    (reason: unknown) => ({ reason }),
  );
}

/** Every attribute and event attribute of the spans, as exported (string values measured in UTF-8 bytes). */
function recordedValues(spans: ReadableSpan[]): { key: string; value: unknown }[] {
  const out: { key: string; value: unknown }[] = [];
  for (const span of spans) {
    for (const [key, value] of Object.entries(span.attributes)) out.push({ key, value });
    for (const event of span.events) for (const [key, value] of Object.entries(event.attributes ?? {})) out.push({ key, value });
  }
  return out;
}

function expectCapped(spans: ReadableSpan[]): void {
  for (const { key, value } of recordedValues(spans)) {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (typeof item === 'string') expect(utf8Length(item), `${key} is capped`).toBeLessThanOrEqual(MAX_BYTES);
    }
  }
}

const echo = traced('echo', function echo(input: unknown): unknown {
  return input;
});
const thrower = traced('thrower', function thrower(input: unknown): never {
  throw input;
});
const rejecter = traced('rejecter', async function rejecter(input: unknown): Promise<never> {
  throw input;
});
const mapped = traced(
  'mapped',
  function mapped(input: unknown): unknown {
    return input;
  },
  {
    attributes: (input: unknown) => ({ 'test.input': input as never }),
    resultAttributes: (result: unknown) => ({ 'test.result': result as never }),
  },
);

// The retry path records each failed attempt and emits a `retry` event with the error's type: it must
// treat every hostile thrown value like the plain path does.
const retriedThrower = traced(
  'retried-thrower',
  async function retriedThrower(input: unknown): Promise<never> {
    throw input;
  },
  { retry: { attempts: 3, backoff: () => 0 } },
);
const retriedSyncThrower = traced(
  'retried-sync-thrower',
  function retriedSyncThrower(input: unknown): never {
    throw input;
  },
  { retry: 2 },
);
const retriedEcho = traced(
  'retried-echo',
  async function retriedEcho(input: unknown): Promise<unknown> {
    return input;
  },
  { retry: 2 },
);

describe('hostile values through decorated calls with capture fully on', () => {
  it('the corpus has at least 50 values with unique names', () => {
    const names = hostileValues().map((h) => h.name);
    expect(names.length).toBeGreaterThanOrEqual(50);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const hostile of hostileValues()) {
    it(`${hostile.name}: the caller gets its own result and thrown object, and what is captured is capped`, async () => {
      const probe = createHostileProbe();
      const value = hostile.make(probe);

      // As argument and result of a sync call: the same object comes back (a native promise comes back
      // as a promise settling like it, as the README says).
      expectReturnedAsIs(echo, value);

      // As the thrown object, sync and async: the very same object reaches the caller.
      expect(Object.is(thrownBy(thrower, value), value)).toBe(true);
      expect(Object.is((await rejectionOf(rejecter(value))).reason, value)).toBe(true);

      const spans = tracing.spans();
      const echoSpan = spans.find((s) => s.name === 'echo');
      if (!isNativePromise(value)) {
        expect(echoSpan, 'echo span ended').toBeDefined();
        const input = echoSpan!.attributes['agentrace.input'];
        expect(typeof input).toBe('string');
        expect(() => JSON.parse(String(input))).not.toThrow();
        if (hostile.exceedsCaps) {
          expect(String(input)).toMatch(TRUNCATION_MARKER);
          const output = echoSpan!.attributes['agentrace.output'];
          if (output !== undefined) expect(String(output)).toMatch(TRUNCATION_MARKER);
        }
      }
      expectCapped(spans);
      expect(probe.count).toBeLessThanOrEqual(MAX_PROBE_READS);
    });

    it(`${hostile.name}: attribute mappers returning it never throw into the caller, and exported values are capped`, () => {
      const probe = createHostileProbe();
      const value = hostile.make(probe);
      expectReturnedAsIs(mapped, value);
      expectCapped(tracing.spans());
      expect(probe.count).toBeLessThanOrEqual(MAX_PROBE_READS);
    });
  }

  for (const hostile of hostileValues()) {
    it(`${hostile.name}: through the retry path the caller gets its own thrown object after every attempt`, async () => {
      const probe = createHostileProbe();
      const value = hostile.make(probe);

      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = retriedThrower(value);
      }).not.toThrow();
      expect(Object.is((await rejectionOf(promise!)).reason, value)).toBe(true);
      expect(Object.is(thrownBy(retriedSyncThrower, value), value)).toBe(true);

      // A hostile value as the resolved value of a retried call comes back as is (a thenable is adopted
      // by the async function, as without agentrace).
      if (!isThenableSafe(value)) {
        let settled: unknown = 'not settled';
        await retriedEcho(value).then(
          (v: unknown) => {
            settled = v;
          },
          (error: unknown) => {
            settled = error;
          },
        );
        expect(Object.is(settled, value)).toBe(true);
      }

      const attempts = tracing.spans().filter((s) => s.name === 'retried-thrower attempt');
      expect(attempts).toHaveLength(3);
      for (const span of attempts) expect(span.status.code).toBe(2);
      expectCapped(tracing.spans());
      expect(probe.count).toBeLessThanOrEqual(MAX_PROBE_READS);
    });
  }
});

/** Whether an async function would adopt `v` as a thenable; never throws. */
function isThenableSafe(v: unknown): boolean {
  try {
    return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
  } catch {
    return true;
  }
}

