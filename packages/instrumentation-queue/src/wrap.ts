const ORIGINAL = Symbol.for('agentrace.instrumentation-queue.original');

type AnyFunction = (this: any, ...args: any[]) => any;
interface Wrapped {
  [ORIGINAL]?: AnyFunction;
}

/**
 * Replaces `target[name]` with `make(original)`. Wrapping again wraps the same original (so the latest
 * options win and spans never double); the returned function puts back what was there before this call
 * (the previous wrapper, or the original). Missing or non-function members are left alone.
 */
export function wrapMethod(target: object | undefined, name: string, make: (original: AnyFunction) => AnyFunction): () => void {
  if (!target) return noop;
  const holder = target as Record<string, unknown>;
  const current = holder[name];
  if (typeof current !== 'function') return noop;
  const original = ((current as Wrapped)[ORIGINAL] ?? current) as AnyFunction;
  const wrapper = make(original) as AnyFunction & Wrapped;
  Object.defineProperty(wrapper, ORIGINAL, { value: original, enumerable: false });
  Object.defineProperty(wrapper, 'length', { value: original.length });
  Object.defineProperty(wrapper, 'name', { value: original.name });
  const own = Object.prototype.hasOwnProperty.call(target, name);
  holder[name] = wrapper;
  return () => {
    if (holder[name] !== wrapper) return;
    if (own) holder[name] = current;
    else delete holder[name];
  };
}

function noop(): void {}
