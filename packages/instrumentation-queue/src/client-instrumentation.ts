import { trace, type TracerProvider } from '@opentelemetry/api';
import {
  type InstrumentationConfig,
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import { loadedPackageCopies, versionInRanges } from '@agentrace/core';
import { reporter } from './diagnostics.js';
import type { ClientPatch, ClientState, Patched, QueueClient, StateSource } from './internal-types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/**
 * What every queue-client instrumentation class shares: one `InstrumentationNodeModuleDefinition` per
 * module of its registry entry (a file definition per hooked file), patches that read the state
 * resolved from the config on every message (so `setConfig` takes effect at once), and a per-exports
 * undo so `disable()` puts the library back and `enable()` patches it again.
 *
 * Two enabled instances of one client (or an instance and an explicit `instrument*` call) stack: the
 * one enabled last is in effect, each message is traced once, and the library is back to its original
 * once every one is disabled, in any order.
 */
export abstract class QueueClientInstrumentation<
  Config extends InstrumentationConfig,
  S extends ClientState,
> extends InstrumentationBase<Config> {
  // `declare`, not initialised fields: InstrumentationBase's constructor calls setConfig(), init() and
  // enable() (which may patch at once, under the import-in-the-middle loader) before a subclass's
  // fields are initialised, and an initialiser would then erase what they set.
  declare private source: StateSource<S> | undefined;
  declare private provider: TracerProvider | undefined;
  declare private patches: Map<object, Patched> | undefined;

  /**
   * This client's registry entry. A method, not a field, so it is there while InstrumentationBase's
   * constructor runs.
   */
  protected abstract client(): QueueClient<string, Config, S>;

  /** @param config the client's options; default `{}`. */
  constructor(config: Config = {} as Config) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /** Replaces the options; the next message is traced with them. */
  override setConfig(config: Config = {} as Config): void {
    if (config === null || typeof config !== 'object') {
      reporter.errorOnce(`config:${this.client().optionKey}`, `the ${this.client().optionKey} instrumentation expects an options object, got ${typeof config}; using the defaults`);
      config = {} as Config;
    }
    super.setConfig(config);
    this.refresh();
  }

  /** What `registerInstrumentations` and `NodeSDK` call. */
  override setTracerProvider(tracerProvider: TracerProvider): void {
    super.setTracerProvider(tracerProvider);
    // Given the global provider, keep looking it up per span, so one registered or replaced later counts.
    this.provider = tracerProvider === trace.getTracerProvider() ? undefined : tracerProvider;
    this.refresh();
  }

  /**
   * Installs the hooks, then catches up with the copies loaded before (found in the module cache):
   * their classes are patched now, and what cannot be (a version outside the supported range, a
   * module whose exports the app already holds) is said once, with the fix.
   */
  override enable(): void {
    super.enable();
    try {
      this.catchUp();
    } catch (error) {
      reporter.warnOnce(`catch-up:${this.client().optionKey}`, `could not check the ${this.client().optionKey} modules loaded before tracing started`, error);
    }
  }

  /** Takes every patch out; `enable()` puts them back on the modules the hooks have seen load. */
  override disable(): void {
    super.disable();
    // Also what the base class does not track (a module seen through both the require and the import hook).
    for (const exports of [...(this.patches?.keys() ?? [])]) this.remove(exports);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    // Every version is seen too, so one outside the supported range is reported instead of skipped in silence.
    const checks = this.client().modules.map((module) => {
      const check = (exports: unknown, version?: string): unknown => {
        this.checkVersion(module.name, module.versions, version, undefined);
        return exports;
      };
      const files = Object.keys(module.files ?? {}).map((path) => new InstrumentationNodeModuleFile(`${module.name}/${path}`, ['*'], check, () => {}));
      return new InstrumentationNodeModuleDefinition(module.name, ['*'], check, () => {}, files);
    });
    return [...checks, ...this.patchDefinitions()];
  }

  private patchDefinitions(): InstrumentationNodeModuleDefinition[] {
    return this.client().modules.map((module) => {
      const patch = module.patch;
      const files = Object.entries(module.files ?? {}).map(
        ([path, filePatch]) =>
          new InstrumentationNodeModuleFile(
            `${module.name}/${path}`,
            [...module.versions],
            (exports: unknown) => this.apply(exports, filePatch),
            (exports?: unknown) => this.remove(exports),
          ),
      );
      return new InstrumentationNodeModuleDefinition(
        module.name,
        [...module.versions],
        patch ? (exports: unknown) => this.apply(exports, patch) : undefined,
        patch ? (exports?: unknown) => this.remove(exports) : undefined,
        files,
      );
    });
  }

  private checkVersion(name: string, versions: readonly string[], version: string | undefined, dir: string | undefined): boolean {
    if (version === undefined || versionInRanges(version, versions)) return true;
    reporter.warnOnce(
      `version:${name}@${version}`,
      `${name} ${version}${dir ? ` (${dir})` : ''} is outside the versions agentrace instruments (${versions.join(' || ')}): it is not traced. ` +
        `Install a supported ${name} (the @agentrace/instrumentation-queue README lists them), or carry the context by hand (bindToEnqueuer, contextCarrier).`,
    );
    return false;
  }

  /** Patches the copies of the client's modules already in the module cache; says what it cannot patch. */
  private catchUp(): void {
    const client = this.client();
    for (const module of client.modules) {
      for (const copy of loadedPackageCopies(module.name)) {
        if (!this.checkVersion(module.name, module.versions, copy.version, copy.dir)) continue;
        for (const [path, filePatch] of Object.entries(module.files ?? {})) {
          const exports = copy.files.get(path);
          if (exports !== undefined && !this.patches?.has(exports as object)) this.apply(exports, filePatch);
        }
        if (!module.patch) continue;
        for (const [path, exports] of copy.files) {
          if (!copy.entries.includes(path) || exports === undefined || this.patches?.has(exports as object)) continue;
          const replaced = this.apply(exports, module.patch);
          if (replaced === exports) continue;
          // The patch hands out new exports (fastq's factory): the app already holds the old ones.
          this.remove(exports);
          reporter.warnOnce(
            `loaded-early:${module.name}`,
            `${module.name} (${copy.dir}) was loaded before the agentrace queue instrumentation was enabled, so the queues it makes are not traced and their tasks keep no enqueuer context. ` +
              `Start tracing before the app loads it: \`node --import @agentrace/tracer/register app.js\` (or \`--require\` for CommonJS), or call init() before the first require/import of ${module.name}; ` +
              `or wrap each task in bindToEnqueuer().`,
          );
        }
      }
    }
  }

  private refresh(): void {
    const state = this.client().resolve(this._config, this.provider);
    if (this.source) this.source.state = state;
    else this.source = { state };
  }

  private apply(exports: unknown, patch: ClientPatch<S>): unknown {
    if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return exports;
    const patches = (this.patches ??= new Map());
    patches.get(exports)?.restore();
    patches.delete(exports);
    try {
      const result = patch(exports, this.source!);
      const patched: Patched = typeof result === 'function' ? { restore: result } : result;
      patches.set(exports, patched);
      return patched.exports ?? exports;
    } catch (error) {
      reporter.errorOnce(`patch:${this.client().optionKey}`, `could not instrument ${this.client().optionKey}; it is left as it is`, error);
      return exports;
    }
  }

  private remove(exports: unknown): void {
    if (exports === null || exports === undefined || !this.patches) return;
    const patched = this.patches.get(exports);
    if (!patched) return;
    this.patches.delete(exports);
    try {
      patched.restore();
    } catch (error) {
      reporter.warnOnce(`restore:${this.client().optionKey}`, `could not fully disable the ${this.client().optionKey} instrumentation`, error);
    }
  }
}

