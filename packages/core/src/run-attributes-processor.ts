import type { Attributes, Context } from '@opentelemetry/api';
import { createReporter } from './diagnostics.js';
import { getGenAiRunAttributes, getRunAttributes, isGenAiOperation } from './run-context.js';

const reporter = createReporter('@agentrace/core');

/** The part of the SDK's `Span` the processor writes to. */
export interface AttributeSettable {
  setAttributes(attributes: Attributes): unknown;
  /** The attributes the span started with (the SDK's spans have them): tell a GenAI operation from other spans. */
  readonly attributes?: Attributes;
}

/**
 * A span processor that puts the run's correlation id, its run attributes and the agent name on
 * every span at start, so spans made by any instrumentation (HTTP, queues, third-party) can be found
 * by run. A span that starts as a GenAI operation (`gen_ai.operation.name` among its start
 * attributes) gets them under their GenAI names (`gen_ai.agent.name`); every other span under
 * `agentrace.*` names (`agentrace.agent.name`), so only GenAI operations carry `gen_ai.*` attributes.
 * It fits the SDK's `SpanProcessor` by shape: this package does not import the SDK.
 */
export class RunAttributesSpanProcessor {
  private reported = false;

  onStart(span: AttributeSettable, parentContext: Context): void {
    try {
      const attributes = isGenAiOperation(span.attributes) ? getGenAiRunAttributes(parentContext) : getRunAttributes(parentContext);
      // Outside a run there is nothing to set: skip the call on every span that is not in one.
      for (const _key in attributes) {
        span.setAttributes(attributes);
        break;
      }
    } catch (error) {
      if (!this.reported) {
        this.reported = true;
        reporter.error('could not read the run attributes; spans will lack them', error);
      }
    }
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
