// CONTRACT: `instrumentHttp(options)` enables client (fetch, undici, node:http/https) and server
// (node:http) spans against the global (or given) tracer provider; returns a handle to disable it.
import type { TracerProvider } from '@opentelemetry/api';

export interface HttpInstrumentationOptions {
  /** Provider to use; default: the global one. */
  tracerProvider?: TracerProvider;
}

export interface InstrumentationHandle {
  disable(): void;
}

export function instrumentHttp(_options: HttpInstrumentationOptions = {}): InstrumentationHandle {
  return { disable() {} };
}
