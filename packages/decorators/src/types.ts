import type { Attributes } from '@opentelemetry/api';
import type { CaptureSpec } from './capture.js';

/** Maps a call's arguments to span attributes; runs only for recording spans. */
export type ArgumentsAttributesMapper = (...args: any[]) => Attributes | undefined;

/** Maps a call's result (the resolved value for async calls) and arguments to span attributes. */
export type ResultAttributesMapper = (result: any, ...args: any[]) => Attributes | undefined;

/** Decides whether an error is expected (a normal outcome, not a failure). */
export type ExpectedErrorPredicate = (error: unknown) => boolean;

/** How a step is retried; each attempt is a child span. */
export interface RetryPolicy {
  /** Attempts in total, the first included. Default: 3. */
  attempts?: number;
  /** Milliseconds to wait after failed attempt `attempt` (1-based). Default: 100 * 2^(attempt-1), at most 10,000. */
  backoff?: (attempt: number, error: unknown) => number;
  /** Whether this error is worth another attempt. Default: every error except an abort (`AbortError`) or an expected error. */
  retryOn?: (error: unknown, attempt: number) => boolean;
}

/** Options shared by `@run`, `@step`, `@tool`, `traced` and `withSpan`. */
export interface TraceOptions {
  /** Span name. Default: the method or function name for a step; `invoke_agent {agent}` for a run; `execute_tool {tool}` for a tool. */
  name?: string;
  /** Attributes from the call's arguments. Default: none. */
  attributes?: ArgumentsAttributesMapper;
  /** Attributes from the result (resolved value for async calls). Default: none. */
  resultAttributes?: ResultAttributesMapper;
  /**
   * Run attributes (user, session, tenant, ...) merged into what the parent set; every descendant span
   * carries them, and those on the baggage allowlist travel to other processes. Default: none.
   */
  runAttributes?: Attributes | ArgumentsAttributesMapper;
  /** Errors that are a normal outcome: the span keeps status UNSET and no `error.type`. Default: none. */
  expectedError?: ExpectedErrorPredicate;
  /** Retry policy (or a number of attempts). Applies when the call returns a promise. Default: no retry. */
  retry?: RetryPolicy | number;
  /** The AbortSignal that cancels this call. Default: the first argument that is an AbortSignal or has one as `.signal`. */
  signal?: (...args: any[]) => AbortSignal | undefined;
  /**
   * Input/output capture: `true`, `false`, the parameter names to capture, or settings (see capture.ts).
   * Values are redacted, then serialized with caps, only for recording spans. Default: the process-wide setting (off).
   */
  capture?: CaptureSpec;
}

/** Options of `@run` (and `traced` with `type: 'run'`). */
export interface RunOptions extends TraceOptions {
  /** The run's correlation id, or where to find it in the arguments. Default: `correlationId` (or `correlation_id`) of the first argument, else the one inherited from the context, else a new UUID. */
  correlationId?: string | ((...args: any[]) => string | undefined);
  /** `gen_ai.conversation.id` from the arguments (becomes a run attribute). Default: none. */
  conversationId?: (...args: any[]) => string | undefined;
  /**
   * Always start a new trace, with its own correlation id, linked to the span that was active: for
   * consumers and loops whose every message is a run of its own. Default: false (a run nests under the
   * active run, except under a run that has ended, where it starts a new trace anyway).
   */
  newTrace?: boolean;
}

/** Options of `@tool` (and `traced` with `type: 'tool'`). */
export interface ToolOptions extends TraceOptions {
  /** `gen_ai.tool.description`. Default: none. */
  description?: string;
  /** `gen_ai.tool.call.id` from the arguments. Default: none. */
  callId?: (...args: any[]) => string | undefined;
}

/** What `@agent` takes: the agent's name, or more. */
export interface AgentOptions {
  /** `gen_ai.agent.name`. */
  name: string;
  /** `gen_ai.agent.id`. Default: none. */
  id?: string;
  /** `gen_ai.agent.description`. Default: none. */
  description?: string;
}

/** Options of the function form `traced(name, fn, options)`. */
export interface TracedOptions extends RunOptions, ToolOptions {
  /** What the span stands for: a run (`invoke_agent`), a tool call (`execute_tool`) or a plain step. Default: `'step'`. */
  type?: 'run' | 'tool' | 'step';
  /** The agent this function belongs to (`gen_ai.agent.name`). Default: the enclosing decorated agent. */
  agent?: string | AgentOptions;
}

/** Process-wide settings, see `configureDecorators`. */
export interface DecoratorsConfig {
  /** Run attribute keys that travel in baggage to other processes (the correlation id always does). Default: user.id, session.id, tenant.id, enduser.id, gen_ai.conversation.id. */
  baggageAllowlist?: readonly string[];
  /** A span open longer than this gets one `diag.warn` (0 turns it off). Default: 120,000 ms. */
  longOpenWarningMs?: number;
  /** A returned stream, iterator or thenable that nobody touches for this long ends its span, marked abandoned (0 turns it off). Default: 300,000 ms. */
  streamIdleTimeoutMs?: number;
  /** Capture inputs and outputs of every decorated call unless its own `capture` says otherwise (same as `configureCapture({ enabled })`). Default: false. */
  capture?: boolean;
}

