import type { Attributes } from '@opentelemetry/api';
import type { Capture } from './capture.js';
import type { TracedOptions } from './types.js';

/** How the decorated function hands back its work, known from its kind at decoration time. */
export type Shape = 'sync' | 'async' | 'generator' | 'asyncGenerator';

export type Operation = 'run' | 'tool' | 'step';

/** An agent as `@agent` (or `traced`'s `agent` option) declared it. */
export interface AgentInfo {
  readonly name: string;
  /** `invoke_agent {name}`, built once. */
  readonly runSpanName: string;
  /** gen_ai.agent.id / description, set on the run span. */
  readonly attributes: Readonly<Attributes>;
}

export interface NormalizedRetry {
  readonly attempts: number;
  backoff(attempt: number, error: unknown): number;
  retryOn(error: unknown, attempt: number): boolean;
}

/** Everything about one decorated function that is decided once, at decoration time. */
export interface Spec {
  readonly operation: Operation;
  readonly shape: Shape;
  readonly fn: (...args: any[]) => unknown;
  readonly functionName: string;
  /** Fixed span name, or undefined when it depends on the agent found at call time (runs). */
  readonly spanName: string | undefined;
  /** Set at span start; frozen and shared by every call. */
  readonly startAttributes: Readonly<Attributes>;
  /** The agent given in the function form; methods find theirs through `this`. */
  readonly agent: AgentInfo | undefined;
  readonly isMethod: boolean;
  readonly options: TracedOptions;
  readonly retry: NormalizedRetry | undefined;
  /** `withSpan`: the function receives the span instead of the call's arguments. */
  readonly passSpan: boolean;
  /** Input/output capture, built once (parameter names resolved here). */
  readonly capture: Capture;
  /** Diagnostics already reported for this function (each problem once). */
  readonly reported: Set<string>;
}
