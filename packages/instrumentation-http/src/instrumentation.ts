import { trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import { resolveConfig } from './config.js';
import { reporter } from './diagnostics.js';
import type { ResolvedHttpConfig } from './internal-types.js';
import { patchNodeHttpClient } from './node-http-client.js';
import { patchNodeHttpServer } from './node-http-server.js';
import type { AgentraceHttpInstrumentationConfig, HttpInstrumentationHandle } from './types.js';
import { instrumentUndici } from './undici.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

// One enabled instrumentation per process, even when both the ESM and the CommonJS build are
// loaded: two would patch twice and make two spans per request. Enabling one disables the other.
const kCurrent = Symbol.for('agentrace.instrumentation-http.current');
const registry = globalThis as { [kCurrent]?: { disable(): void } };

/** What an enabled instance applied, undone by `disable()`. */
interface Applied {
  cfg: ResolvedHttpConfig;
  undo: (() => void)[];
}

/**
 * CLIENT spans for fetch, undici and node:http/https requests and SERVER spans for node:http/https
 * servers, for ESM and CommonJS apps alike, with no loader hook. An OpenTelemetry instrumentation:
 * give it to `registerInstrumentations` or `NodeSDK({ instrumentations })`, or use the
 * {@link instrumentHttp} shortcut. One is in effect per process: enabling one disables any other.
 * Never throws: bad options are reported once through `diag` and replaced by their defaults.
 */
export class AgentraceHttpInstrumentation extends InstrumentationBase<AgentraceHttpInstrumentationConfig> {
  // `declare`, not initialised fields: InstrumentationBase's constructor calls setConfig() and
  // enable() before a subclass's fields are initialised, and an initialiser would then erase them.
  declare private applied: Applied | undefined;
  declare private providerSet: boolean | undefined;

  constructor(config: AgentraceHttpInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /**
   * No module definitions, so no require or import hook: `enable()` subscribes to undici's
   * diagnostics channels and patches the node:http and node:https module objects themselves, which
   * `require` and `import` share (ESM named exports are re-synced). That covers apps that loaded
   * them before tracing started, in ESM with no `--import` hook.
   */
  protected override init(): undefined {
    return undefined;
  }

  /** Replaces the options; when enabled, the new ones take effect at once (patches are redone). */
  override setConfig(config: AgentraceHttpInstrumentationConfig = {}): void {
    if (config === null || typeof config !== 'object') {
      reporter.warnOnce('config', `the HTTP instrumentation expects an options object, got ${typeof config}; using the defaults`);
      config = {};
    }
    super.setConfig(config);
    if (this.applied !== undefined) {
      this.remove();
      this.apply();
    }
  }

  /** What `registerInstrumentations` and `NodeSDK` call; replaces the `tracerProvider` option. */
  override setTracerProvider(tracerProvider: TracerProvider): void {
    super.setTracerProvider(tracerProvider);
    this.providerSet = true;
    if (this.applied !== undefined) this.applied.cfg.tracer = this.tracer;
  }

  override enable(): void {
    super.enable();
    if (this.applied === undefined) this.apply();
  }

  override disable(): void {
    super.disable();
    this.remove();
  }

  private spanTracer(): Tracer {
    if (this.providerSet === true) return this.tracer;
    // The global provider as it is now, like any instrumentation enabled after `provider.register()`.
    return (this._config.tracerProvider ?? trace.getTracerProvider()).getTracer(PACKAGE_NAME, PACKAGE_VERSION);
  }

  private apply(): void {
    const undo: (() => void)[] = [];
    try {
      const cfg = resolveConfig(this._config, this.spanTracer());
      const other = registry[kCurrent];
      if (other !== undefined && other !== this) {
        reporter.warnOnce(
          'replaced',
          'a second HTTP instrumentation was enabled while one was in effect; the earlier one is now disabled ' +
            '(one per process). To change options, call setConfig() on the first or disable() it before.',
        );
        other.disable();
      }
      if (cfg.client) {
        undo.push(instrumentUndici(cfg));
        undo.push(patchNodeHttpClient(cfg));
      }
      if (cfg.server) undo.push(patchNodeHttpServer(cfg));
      this.applied = { cfg, undo };
      registry[kCurrent] = this;
    } catch (error) {
      runAll(undo);
      reporter.errorOnce('enable', 'could not enable the HTTP instrumentation; HTTP calls are not traced', error);
    }
  }

  private remove(): void {
    const applied = this.applied;
    if (applied === undefined) return;
    this.applied = undefined;
    runAll(applied.undo);
    if (registry[kCurrent] === this) delete registry[kCurrent];
  }
}

/** Undoes in reverse order; one failing undo does not keep the others from running. */
function runAll(undo: (() => void)[]): void {
  for (let i = undo.length - 1; i >= 0; i--) {
    try {
      undo[i]!();
    } catch (error) {
      reporter.warnOnce('disable', 'could not fully disable the HTTP instrumentation', error);
    }
  }
}

/** The instance the shortcut made and its handle, while it is in effect. */
let shortcut: { instrumentation: AgentraceHttpInstrumentation; handle: HttpInstrumentationHandle } | undefined;

/**
 * The shortcut for apps without `registerInstrumentations`: `new AgentraceHttpInstrumentation(config)`,
 * enabled (unless `enabled: false`), against the global provider or `tracerProvider`. Call it after
 * the provider is registered (the tracer's `init` does). Called again while an earlier call is in
 * effect, it returns that call's handle and warns once, as `instrumentQueues()` and `init()` do.
 * Never throws.
 */
export function instrumentHttp(config: AgentraceHttpInstrumentationConfig = {}): HttpInstrumentationHandle {
  if (shortcut !== undefined && shortcut.instrumentation.isEnabled()) {
    reporter.warnOnce(
      'instrumentHttp-twice',
      'instrumentHttp() was called again while an earlier call is in effect; the earlier handle is returned and its options stay. Disable it first to change them.',
    );
    return shortcut.handle;
  }
  try {
    const instrumentation = new AgentraceHttpInstrumentation(config);
    const handle: HttpInstrumentationHandle = {
      disable: () => {
        instrumentation.disable();
        if (shortcut?.instrumentation === instrumentation) shortcut = undefined;
      },
    };
    shortcut = { instrumentation, handle };
    return handle;
  } catch (error) {
    reporter.errorOnce('enable', 'could not enable the HTTP instrumentation; HTTP calls are not traced', error);
    return { disable() {} };
  }
}
