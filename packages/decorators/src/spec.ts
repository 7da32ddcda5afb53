import { type Attributes } from '@opentelemetry/api';
import { reporter } from './report.js';
import { makeAgentInfo } from './agent-registry.js';
import { createCapture, type Capture } from './capture.js';
import type { AgentInfo, Operation, Shape, Spec } from './internal-types.js';
import { normalizeRetry } from './retry.js';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_TOOL_TYPE_VALUE_FUNCTION,
} from './semconv.js';
import type { TracedOptions } from './types.js';

const EMPTY: Readonly<Attributes> = Object.freeze({});
const NO_CAPTURE: Capture = Object.freeze({ recordArguments() {}, recordResult() {}, parameterNames: [] });

/** The function's kind, from its constructor: the only shape known before it is called. */
export function shapeOf(fn: Function): Shape {
  switch (Object.getPrototypeOf(fn)?.[Symbol.toStringTag]) {
    case 'AsyncFunction':
      return 'async';
    case 'GeneratorFunction':
      return 'generator';
    case 'AsyncGeneratorFunction':
      return 'asyncGenerator';
    default:
      return 'sync';
  }
}

function validOptions(options: unknown, where: string): TracedOptions {
  if (options === undefined) return {};
  if (typeof options === 'object' && options !== null) return options as TracedOptions;
  reporter.error(`options of "${where}" must be an object; got ${String(options)}. Using defaults.`);
  return {};
}

/** Decides, once per decorated function, everything the per-call path needs. */
export function makeSpec(
  operation: Operation,
  fn: (...args: any[]) => unknown,
  functionName: string,
  rawOptions: unknown,
  isMethod: boolean,
  passSpan = false,
): Spec {
  const options = validOptions(rawOptions, functionName);
  const given = typeof options.name === 'string' && options.name !== '' ? options.name : undefined;
  let spanName: string | undefined;
  let startAttributes: Readonly<Attributes> = EMPTY;
  let agent: AgentInfo | undefined;
  if (options.agent !== undefined) agent = makeAgentInfo(options.agent, functionName);
  if (operation === 'run') {
    spanName = given;
    startAttributes = Object.freeze({ [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT });
    if (!isMethod && agent === undefined) agent = makeAgentInfo(functionName, functionName);
  } else if (operation === 'tool') {
    const toolName = given ?? functionName;
    spanName = `execute_tool ${toolName}`;
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
      [ATTR_GEN_AI_TOOL_NAME]: toolName,
      [ATTR_GEN_AI_TOOL_TYPE]: GEN_AI_TOOL_TYPE_VALUE_FUNCTION,
    };
    if (typeof options.description === 'string') attributes[ATTR_GEN_AI_TOOL_DESCRIPTION] = options.description;
    startAttributes = Object.freeze(attributes);
  } else {
    spanName = given ?? functionName;
  }
  return {
    operation,
    shape: shapeOf(fn),
    fn,
    functionName,
    spanName,
    startAttributes,
    agent,
    isMethod,
    options,
    retry: normalizeRetry(options.retry, functionName),
    passSpan,
    // withSpan's function takes the span, not inputs worth capturing; skip parsing its source per call.
    capture: passSpan && options.capture === undefined ? NO_CAPTURE : createCapture(fn, { kind: operation, capture: options.capture }),
    reported: new Set(),
  };
}
