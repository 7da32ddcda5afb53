import { type Attributes } from '@opentelemetry/api';
import { reporter } from './report.js';
import type { AgentInfo } from './internal-types.js';
import { ATTR_GEN_AI_AGENT_DESCRIPTION, ATTR_GEN_AI_AGENT_ID } from './semconv.js';
import type { AgentOptions } from './types.js';

// Stored on the class under a symbol (non-enumerable) rather than in a side table: a method finds its
// agent with one property read on `this.constructor`, subclasses inherit it through the static
// prototype chain, and it does not matter that method decorators run before the class decorator.
const AGENT = Symbol.for('agentrace.decorators.agent');
const defaults = new WeakMap<object, AgentInfo>();

export function makeAgentInfo(options: string | AgentOptions | undefined, fallbackName: string): AgentInfo {
  let name = fallbackName;
  const attributes: Attributes = {};
  if (typeof options === 'string' && options !== '') name = options;
  else if (typeof options === 'object' && options !== null && typeof options.name === 'string' && options.name !== '') {
    name = options.name;
    if (typeof options.id === 'string') attributes[ATTR_GEN_AI_AGENT_ID] = options.id;
    if (typeof options.description === 'string') attributes[ATTR_GEN_AI_AGENT_DESCRIPTION] = options.description;
  } else if (options !== undefined) {
    reporter.error(`the agent name must be a non-empty string or { name, id?, description? }; got ${String(options)}. Using "${fallbackName}".`,
    );
  }
  return Object.freeze({ name, runSpanName: `invoke_agent ${name}`, attributes: Object.freeze(attributes) });
}

export function registerAgent(target: object, info: AgentInfo): void {
  Object.defineProperty(target, AGENT, { value: info, configurable: true, enumerable: false, writable: false });
}

function classOf(self: unknown): { [AGENT]?: AgentInfo; name?: string } | undefined {
  if (typeof self === 'function') return self as { [AGENT]?: AgentInfo }; // static method
  if (typeof self === 'object' && self !== null) return (self as { constructor?: { [AGENT]?: AgentInfo } }).constructor;
  return undefined;
}

/** The `@agent` of the class `self` belongs to. */
export function agentOf(self: unknown): AgentInfo | undefined {
  return classOf(self)?.[AGENT];
}

/** For a run on a class without `@agent`: the class name. */
export function defaultAgentOf(self: unknown): AgentInfo | undefined {
  const cls = classOf(self);
  if (cls === undefined) return undefined;
  let info = defaults.get(cls);
  if (info === undefined) {
    info = makeAgentInfo(undefined, typeof cls.name === 'string' && cls.name !== '' ? cls.name : 'agent');
    defaults.set(cls, info);
  }
  return info;
}
