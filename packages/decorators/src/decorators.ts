
import { reporter } from './report.js';
import { makeAgentInfo, registerAgent } from './agent-registry.js';
import type { Operation } from './internal-types.js';
import { makeSpec } from './spec.js';
import type { AgentOptions, RunOptions, ToolOptions, TraceOptions } from './types.js';
import { createTracedFunction } from './wrap.js';

/**
 * A method decorator that works under both decorator systems: TC39 standard decorators (TypeScript 5
 * default) and legacy `experimentalDecorators`; which one is calling is told by the arguments.
 */
export interface TracingMethodDecorator {
  <This, Args extends any[], Return>(
    value: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ): (this: This, ...args: Args) => Return;
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void;
}

/** A class decorator that works under both decorator systems. */
export interface TracingClassDecorator {
  <Class extends abstract new (...args: any) => any>(value: Class, context: ClassDecoratorContext<Class>): void;
  (target: Function): void;
}

function isStandardContext(value: unknown): value is { kind: string; name: string | symbol } {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

function methodDecorator(operation: Operation, options: unknown, decoratorName: string): TracingMethodDecorator {
  return function (target: unknown, context: unknown, descriptor?: PropertyDescriptor): any {
    if (isStandardContext(context)) {
      if (context.kind !== 'method' || typeof target !== 'function') {
        reporter.error(`@${decoratorName}() goes on a method; "${String(context.name)}" is a ${context.kind}. Left undecorated.`);
        return undefined;
      }
      return createTracedFunction(makeSpec(operation, target as (...a: any[]) => unknown, String(context.name), options, true));
    }
    if (descriptor !== undefined && typeof descriptor.value === 'function') {
      descriptor.value = createTracedFunction(makeSpec(operation, descriptor.value, String(context), options, true));
      return descriptor;
    }
    reporter.error(`@${decoratorName}() goes on a method; "${String(context)}" is not one. Left undecorated.`);
    return descriptor;
  } as TracingMethodDecorator;
}

/**
 * Class decorator naming the agent (`gen_ai.agent.name`, and `gen_ai.agent.id` / `description` if
 * given). Decorated methods of the class, and of subclasses, carry it.
 */
export function agent(nameOrOptions: string | AgentOptions): TracingClassDecorator {
  return function (target: Function, context?: unknown): void {
    if (typeof target !== 'function' || (isStandardContext(context) && context.kind !== 'class') || (context !== undefined && !isStandardContext(context))) {
      reporter.error('@agent() goes on a class. Ignored.');
      return;
    }
    registerAgent(target, makeAgentInfo(nameOrOptions, target.name || 'agent'));
  } as TracingClassDecorator;
}

/** One run of the agent: span `invoke_agent {agent}`, the root of a trace or a child where one is active. */
export function run(options?: RunOptions): TracingMethodDecorator {
  return methodDecorator('run', options, 'run');
}

/** A plain step: an INTERNAL span named after the method (or `name`), with the agent name on it. */
export function step(nameOrOptions?: string | TraceOptions): TracingMethodDecorator {
  return methodDecorator('step', typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions, 'step');
}

/** A tool call: span `execute_tool {name}` with `gen_ai.tool.name` (default: the method name). */
export function tool(nameOrOptions?: string | ToolOptions): TracingMethodDecorator {
  return methodDecorator('tool', typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions, 'tool');
}
