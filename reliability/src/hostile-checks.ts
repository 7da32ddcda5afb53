// Checks shared by the hostile-values tests (issue 8, "bad input corpus"): what was exported stays
// within the caps, and running the corpus again and again does not grow the heap.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** The serializer's default cap on one exported string value (UTF-8 bytes). */
export const MAX_ATTRIBUTE_BYTES = 8192;
/** Any of the serializer's or `capString`'s truncation markers. */
export const TRUNCATION_MARKER = /…\[truncated\]|…\[\+\d+ chars\]|\[\+\d+ keys\]|…\[\+\d+ items\]|"\[(?:Object|Array\(\d+\)|Map\(\d+\)|Set\(\d+\)|Error: [^"]*)\]"|\[BigInt: /;

/** `instanceof Promise` that survives revoked proxies and throwing traps. */
export function isNativePromise(v: unknown): boolean {
  try {
    return v instanceof Promise;
  } catch {
    return false;
  }
}

/** UTF-8 byte length (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Every exported string (span attributes, event attributes, status message), with where it was found. */
export function exportedStrings(spans: readonly ReadableSpan[]): { where: string; value: string }[] {
  const out: { where: string; value: string }[] = [];
  const add = (where: string, value: unknown): void => {
    for (const item of Array.isArray(value) ? value : [value]) if (typeof item === 'string') out.push({ where, value: item });
  };
  for (const span of spans) {
    for (const [key, value] of Object.entries(span.attributes)) add(`${span.name} ${key}`, value);
    for (const event of span.events) for (const [key, value] of Object.entries(event.attributes ?? {})) add(`${span.name} ${event.name} ${key}`, value);
    if (span.status.message !== undefined) add(`${span.name} status`, span.status.message);
  }
  return out;
}

/** The offending values over the cap (empty when all are within). */
export function overCap(spans: readonly ReadableSpan[], maxBytes = MAX_ATTRIBUTE_BYTES): string[] {
  return exportedStrings(spans)
    .filter((s) => utf8Bytes(s.value) > maxBytes)
    .map((s) => `${s.where}: ${utf8Bytes(s.value)} bytes`);
}

let collect: (() => void) | undefined;
/** A full garbage collection (exposes `gc` at run time when the process was not started with --expose-gc). */
export function fullGc(): void {
  if (collect === undefined) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (typeof existing === 'function') collect = existing;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
  collect();
}

/** Heap used after a full collection, in bytes. */
export function heapAfterGc(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
}
