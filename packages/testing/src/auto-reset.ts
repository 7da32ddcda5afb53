// The setups to reset before each test. Kept on globalThis so the main entry and the vitest entry
// share it even when loaded as two copies (ESM and CommonJS).

interface Resettable {
  reset(): void;
}

const KEY = Symbol.for('agentrace.testing.auto-reset');

function registry(): Set<Resettable> {
  const holder = globalThis as { [KEY]?: Set<Resettable> };
  return (holder[KEY] ??= new Set());
}

export function registerAutoReset(setup: Resettable): void {
  registry().add(setup);
}

export function unregisterAutoReset(setup: Resettable): void {
  registry().delete(setup);
}

/** Resets every live setup that asked for it; called by the vitest entry's `beforeEach`. */
export function resetRegisteredSetups(): void {
  for (const setup of registry()) setup.reset();
}
