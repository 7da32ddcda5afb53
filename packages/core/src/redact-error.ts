import type { Exception } from '@opentelemetry/api';
import { defaultRedactor, type Redactor } from './redact.js';
import { withoutInternalFrames } from './internal-frames.js';
import { capString, serializeValue } from './serialize.js';

/** What to record for a failure: see `redactException`. */
export interface RedactedException {
  /** For `span.recordException`: the error itself when nothing needed masking, else a copy of its fields with secrets masked. */
  exception: Exception;
  /** The error's message (or its string form) with secrets masked, for a status message or attribute. */
  message: string;
}

/**
 * An error as it may leave the process: message and stack with secret-looking text masked by the
 * value rules of `redactor` (default: the built-in ones), e.g. an error quoting `Authorization: Bearer …`
 * or `x-api-key=…`, and the stack without agentrace's and OpenTelemetry's wrapper frames. Every instrumentation records failures through it, because error text is written
 * by libraries and users, not by us. Returns the error itself when nothing changed. Never throws.
 */
export function redactException(error: unknown, redactor: Redactor = defaultRedactor): RedactedException {
  try {
    if (typeof error !== 'object' || error === null) {
      const text = capString(redactor.redactString(capString(String(error))));
      return { exception: text, message: text };
    }
    const e = error as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
    const rawMessage = typeof e.message === 'string' ? e.message : objectText(error);
    // Capped (8192 UTF-8 bytes, `…[truncated]`) before masking, so a 10 MB message or stack is never
    // scanned or exported whole, and after, since a mask can be longer than what it hides.
    const message = capString(redactor.redactString(capString(rawMessage)));
    const stack = typeof e.stack === 'string' ? e.stack : undefined;
    // agentrace's own wrapper frames are left out: they say nothing about the agent.
    const redactedStack = stack === undefined ? undefined : capString(redactor.redactString(capString(withoutInternalFrames(stack))));
    const code = e.code;
    const name = e.name;
    // Only a real Error with plain fields goes to the SDK as is: for anything else its recordException
    // calls `code.toString()` or writes the whole object into a warning (joining a 2^32-long array).
    const plain = error instanceof Error && (code === undefined || typeof code === 'string' || typeof code === 'number');
    if (plain && message === rawMessage && redactedStack === stack && (name === undefined || typeof name === 'string' && name.length <= 256)) {
      return { exception: error as Exception, message };
    }
    // The SDK reads these four fields of an exception; the copy keeps them, masked.
    const copy: { name?: string; message: string; stack?: string; code?: string | number } = { message };
    if (typeof name === 'string') copy.name = capString(name, 256);
    if (redactedStack !== undefined) copy.stack = redactedStack;
    if (typeof code === 'string') copy.code = capString(code, 256);
    else if (typeof code === 'number') copy.code = code;
    return { exception: copy, message };
  } catch {
    // A hostile error (throwing getters, revoked proxy): nothing of it is recorded.
    return { exception: { name: 'Error', message: 'unreadable error' }, message: 'unreadable error' };
  }
}

/**
 * The text of a thrown non-Error object. String() would join every element of an array (2^32 of them
 * for a sparse one) or decode a whole Buffer: those get a capped JSON summary instead.
 */
function objectText(value: object): string {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return serializeValue(value, { maxBytes: 1024 }).value;
  return String(value);
}
