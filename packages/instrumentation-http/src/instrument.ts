import { reportOnce } from './diagnostics.js';
import { resolveConfig } from './config.js';
import { patchNodeHttpClient } from './node-http-client.js';
import { patchNodeHttpServer } from './node-http-server.js';
import type { HttpInstrumentationOptions, InstrumentationHandle } from './types.js';
import { instrumentUndici } from './undici.js';

// One instrumentation per process, even when both the ESM and the CommonJS build are loaded:
// two would patch twice and make two spans per request.
const kCurrent = Symbol.for('agentrace.instrumentation-http.current');
const registry = globalThis as { [kCurrent]?: InstrumentationHandle };

/**
 * Turns on CLIENT spans for fetch, undici and node:http/https requests and SERVER spans for
 * node:http/https servers, for ESM and CommonJS apps alike, with no loader hook. Call it after the
 * tracer provider is registered (the tracer's `init` does). A second call replaces the first.
 * Never throws: bad options are reported once through `diag`.
 */
export function instrumentHttp(options: HttpInstrumentationOptions = {}): InstrumentationHandle {
  try {
    if (options === null || typeof options !== 'object') {
      reportOnce(`instrumentHttp expects an options object, got ${String(options)}; using the defaults`);
      options = {};
    }
    registry[kCurrent]?.disable();
    const cfg = resolveConfig(options);
    const undo: (() => void)[] = [];
    if (cfg.client) {
      undo.push(instrumentUndici(cfg));
      undo.push(patchNodeHttpClient(cfg));
    }
    if (cfg.server) undo.push(patchNodeHttpServer(cfg));
    let disabled = false;
    const handle: InstrumentationHandle = {
      disable() {
        if (disabled) return;
        disabled = true;
        for (const fn of undo.reverse()) {
          try {
            fn();
          } catch (error) {
            reportOnce('could not fully disable the HTTP instrumentation', error);
          }
        }
        if (registry[kCurrent] === handle) delete registry[kCurrent];
      },
    };
    registry[kCurrent] = handle;
    return handle;
  } catch (error) {
    reportOnce('could not enable the HTTP instrumentation; HTTP calls are not traced', error);
    return { disable() {} };
  }
}
