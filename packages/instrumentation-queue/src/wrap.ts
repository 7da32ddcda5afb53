const ORIGINAL = Symbol.for('agentrace.instrumentation-queue.original');
const RESTORE = Symbol.for('agentrace.instrumentation-queue.restore');

type AnyFunction = (this: any, ...args: any[]) => any;
interface Restore {
  /** What `target[name]` held before this wrapper. */
  previous: unknown;
  /** Whether that was the target's own property (else it was inherited and is restored by deleting ours). */
  own: boolean;
  /** Set once this wrapper's restore has run, even if another wrapper sat on top of it then. */
  disabled: boolean;
}
interface Wrapped {
  [ORIGINAL]?: AnyFunction;
  [RESTORE]?: Restore;
}

/**
 * Replaces `target[name]` with `make(original)`. Wrapping again wraps the same original (so the latest
 * options win and spans never double); the returned function takes this wrapper out: it puts back the
 * nearest earlier wrapper not taken out yet, or the original. Restores may run in any order (two
 * handles disabled first-made first, a class patched once per channel): the originals always come back
 * once every wrapper is taken out. Missing or non-function members are left alone.
 */
export function wrapMethod(target: object | undefined, name: string, make: (original: AnyFunction) => AnyFunction): () => void {
  if (!target) return noop;
  const holder = target as Record<string, unknown>;
  const current = holder[name];
  if (typeof current !== 'function') return noop;
  const original = ((current as Wrapped)[ORIGINAL] ?? current) as AnyFunction;
  const wrapper = make(original) as AnyFunction & Wrapped;
  const restore: Restore = { previous: current, own: Object.prototype.hasOwnProperty.call(target, name), disabled: false };
  Object.defineProperty(wrapper, ORIGINAL, { value: original, enumerable: false });
  Object.defineProperty(wrapper, RESTORE, { value: restore, enumerable: false });
  Object.defineProperty(wrapper, 'length', { value: original.length });
  Object.defineProperty(wrapper, 'name', { value: original.name });
  holder[name] = wrapper;
  return () => {
    if (restore.disabled) return;
    restore.disabled = true;
    // Another wrapper sits on top: it will skip past this one when it is taken out.
    if (holder[name] !== wrapper) return;
    let step = restore;
    for (;;) {
      const below = (step.previous as Wrapped | undefined)?.[RESTORE];
      if (below === undefined || !below.disabled) break;
      step = below;
    }
    if (step.own) holder[name] = step.previous;
    else delete holder[name];
  };
}

function noop(): void {}
