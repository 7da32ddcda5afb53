// Two copies of @opentelemetry/api in one app (the app's 1.9, a library's own 1.10): a copy of the API
// only uses the globals (tracer provider, context manager, propagator) when the copy that registered
// them is at least as new as itself, so the library's 1.10 would see none, make no spans and propagate
// nothing, in silence. The globals are one object on `globalThis`; registering them again through the
// newest copy loaded lets every copy see them (an older copy accepts a newer registration).
import { DiagLogLevel, type TracerProvider } from '@opentelemetry/api';
import { loadedPackageCopies } from '@agentrace/core';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { details, reporter } from './report.js';

const GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1');
const PACKAGE = '@opentelemetry/api';

/** What the globals object of the API holds: its version, then one entry per registered global. */
type Globals = { version?: unknown } & Record<string, unknown>;

/** The setters of an API copy that re-registration uses. */
interface ApiCopy {
  trace?: { setGlobalTracerProvider(provider: unknown): boolean };
  context?: { setGlobalContextManager(manager: unknown): boolean };
  propagation?: { setGlobalPropagator(propagator: unknown): boolean };
  metrics?: { setGlobalMeterProvider(provider: unknown): boolean };
  diag?: { setLogger(logger: unknown, options: unknown): boolean };
}

function minorOf(version: unknown): [number, number] | undefined {
  const m = typeof version === 'string' ? /^(\d+)\.(\d+)\./.exec(version) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Registers the current globals again through `api` (of `version`) when it is a newer minor of the same major. */
function align(api: unknown, version: string | undefined, where: string): void {
  const store = globalThis as unknown as Record<symbol, Globals | undefined>;
  const globals = store[GLOBAL_KEY];
  const mine = minorOf(globals?.version);
  const theirs = minorOf(version);
  if (!globals || !mine || !theirs || theirs[0] !== mine[0] || theirs[1] <= mine[1]) return;
  const copy = api as ApiCopy | null;
  if (!copy || typeof copy !== 'object' || typeof copy.trace?.setGlobalTracerProvider !== 'function') return;
  const registered = String(globals.version);
  const saved: Globals = { ...globals };
  try {
    delete store[GLOBAL_KEY];
    const { version: _v, trace, context, propagation, metrics, diag, ...others } = saved;
    // The logger registered first, so the other registrations can log through it.
    if (diag) copy.diag?.setLogger(diag, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
    if (context) copy.context?.setGlobalContextManager(context);
    if (propagation) copy.propagation?.setGlobalPropagator(propagation);
    if (metrics) copy.metrics?.setGlobalMeterProvider(metrics);
    if (trace) {
      // The registered entry is the old copy's proxy: give the new copy the provider behind it.
      const delegate = (trace as { getDelegate?: () => unknown }).getDelegate?.() ?? trace;
      copy.trace!.setGlobalTracerProvider(delegate);
    }
    Object.assign(store[GLOBAL_KEY] ?? {}, others);
    details.info(
      `${PACKAGE} ${version} (${where}) is loaded next to ${registered}, which registered the OpenTelemetry globals; ` +
        `they are now registered through ${version} so both copies see them. One ${PACKAGE} version in the app avoids this.`,
    );
  } catch (error) {
    store[GLOBAL_KEY] = saved;
    reporter.warnOnce(
      `api-copies:${version}`,
      `${PACKAGE} ${version} (${where}) is loaded next to ${registered}, which registered the OpenTelemetry globals: ` +
        `code using ${version} sees no tracer provider, context or propagator, so its spans are dropped and it propagates nothing. ` +
        `Install one ${PACKAGE} version for the whole app (npm: "overrides", pnpm: "overrides", yarn: "resolutions": { "${PACKAGE}": "${version}" }).`,
      error,
    );
  }
}

/** Sees every copy of the API that loads after `init()`, by require (and import, under the loader). */
class ApiCopiesInstrumentation extends InstrumentationBase {
  constructor() {
    super('@agentrace/tracer/api-copies', '0.1.0', {});
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(PACKAGE, ['*'], (exports: unknown, version?: string) => {
        align(exports, version, 'loaded after init()');
        return exports;
      }),
    ];
  }
}

/**
 * Aligns the globals with the newest API copy already loaded and with each one loaded later.
 * Returns the undo of the watch (the registrations stay: they are the globals' own).
 */
export function alignApiCopies(_provider: TracerProvider): () => void {
  try {
    for (const copy of loadedPackageCopies(PACKAGE)) {
      for (const entry of copy.entries) {
        const exports = copy.files.get(entry);
        if (exports !== undefined) {
          align(exports, copy.version, copy.dir);
          break;
        }
      }
    }
    const watch = new ApiCopiesInstrumentation();
    return () => watch.disable();
  } catch (error) {
    reporter.warnOnce('api-copies', `could not check for other ${PACKAGE} copies`, error);
    return () => {};
  }
}
