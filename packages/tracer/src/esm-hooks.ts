// ES modules reach the instrumentations' hooks only through a module loader: the require hook never
// sees an ES module (p-queue 7 and later), nor a CommonJS package an ES module app imports by name
// (fastq). `init()` registers OpenTelemetry's import-in-the-middle loader for those modules only, so
// an ESM app that loads them after `init()` (or runs with `--import @agentrace/tracer/register`)
// has them traced; every other module loads as it would without tracing.
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import { details, reporter } from './report.js';

/** The modules agentrace instruments that only a loader hook sees when an ES module imports them. */
export const ESM_HOOKED_MODULES = ['p-queue', 'fastq'];

const kRegistered = Symbol.for('agentrace.tracer.esm-loader');

/** The URL of this file, in the ESM and the CommonJS build alike. */
function ownUrl(): string {
  const prepare = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    const file = frames[0]?.getFileName() ?? '';
    return file.startsWith('file:') ? file : pathToFileURL(file).href;
  } finally {
    Error.prepareStackTrace = prepare;
  }
}

/** Whether the app started with a loader of its own (import-in-the-middle twice would wrap twice). */
function appHasLoader(): boolean {
  const flags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  return /import-in-the-middle|instrumentation\/hook\.mjs|--(?:experimental-)?loader/.test(flags);
}

/** Registers the loader once per process; never throws. */
export function registerEsmHooks(): void {
  const state = globalThis as { [kRegistered]?: boolean };
  if (state[kRegistered]) return;
  state[kRegistered] = true;
  if (typeof nodeModule.register !== 'function' || appHasLoader()) return;
  try {
    nodeModule.register('@opentelemetry/instrumentation/hook.mjs', ownUrl(), { data: { include: ESM_HOOKED_MODULES } });
    details.debug(`module loader registered for ${ESM_HOOKED_MODULES.join(', ')}`);
  } catch (error) {
    reporter.warn(
      `could not register the module loader, so ${ESM_HOOKED_MODULES.join(' and ')} imported by ES modules are not traced; ` +
        'start the app with `node --import @agentrace/tracer/register app.js`, or wrap queued tasks in bindToEnqueuer()',
      error,
    );
  }
}
