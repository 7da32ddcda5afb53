// Leaves agentrace's and OpenTelemetry's wrapper frames out of recorded stacks: V8 keeps only
// `Error.stackTraceLimit` frames (10 by default), and a decorated call's own frames would otherwise
// crowd out the agent's.

const PACKAGES = '(?:core|decorators|state|instrumentation-http|instrumentation-queue|tracer|testing)';
/** An installed agentrace package (npm, pnpm's store or a bundle keeping paths). */
const INSTALLED = new RegExp(`[\\\\/]@agentrace[\\\\/]${PACKAGES}[\\\\/]`);
/** OpenTelemetry's context plumbing that every wrapped call passes through. */
const OTEL = /[\\/]@opentelemetry[\\/](?:api|context-async-hooks|sdk-trace-base|sdk-trace|sdk-trace-node)[\\/]/;
const ASYNC_LOCAL_STORAGE = /\(node:async_hooks:|at AsyncLocalStorage\.run \(/;

/**
 * The directory holding this package and its siblings when they are not installed under
 * `@agentrace/` (this repository's own `packages/`): read from where this file was loaded from, so a
 * user's own `packages/core` is never mistaken for ours.
 */
function siblingsDir(): RegExp | undefined {
  try {
    const frame = (new Error().stack ?? '').split('\n').find((line) => line.includes('internal-frames'));
    const match = frame === undefined ? null : /^(?:.*?\(|\s*at\s+)(?:file:\/\/)?(.*)[\\/]core[\\/](?:dist|src)[\\/]/.exec(frame);
    if (match === null || match[1] === undefined || match[1].endsWith('@agentrace')) return undefined;
    const escaped = match[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`${escaped}[\\\\/]${PACKAGES}[\\\\/](?:dist|src)[\\\\/]`);
  } catch {
    return undefined;
  }
}

const SIBLINGS = siblingsDir();

/** Whether a stack line is a frame of agentrace or of OpenTelemetry's context plumbing. */
export function isInternalFrame(line: string): boolean {
  return INSTALLED.test(line) || OTEL.test(line) || ASYNC_LOCAL_STORAGE.test(line) || (SIBLINGS !== undefined && SIBLINGS.test(line));
}

/**
 * `stack` without internal frames below the first one (the frame that threw is always kept, even if it
 * is ours). Returns the same string when nothing was left out.
 */
export function withoutInternalFrames(stack: string): string {
  const lines = stack.split('\n');
  let firstFrame = -1;
  let removed = false;
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const isFrame = /^\s+at /.test(line);
    if (isFrame && firstFrame === -1) firstFrame = i;
    if (isFrame && i !== firstFrame && isInternalFrame(line)) {
      removed = true;
      continue;
    }
    kept.push(line);
  }
  return removed ? kept.join('\n') : stack;
}
