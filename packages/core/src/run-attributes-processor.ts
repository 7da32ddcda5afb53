import type { Attributes, Context } from '@opentelemetry/api';
import { createReporter } from './diagnostics.js';
import { getRunAttributes } from './run-context.js';

const reporter = createReporter('@agentrace/core');

/** The part of the SDK's `Span` the processor writes to. */
export interface AttributeSettable {
  setAttributes(attributes: Attributes): unknown;
}

/**
 * A span processor that puts the run's correlation id, its run attributes and the agent name on
 * every span at start, so spans made by any instrumentation (HTTP, queues, third-party) can be found
 * by run. It fits the SDK's `SpanProcessor` by shape: this package does not import the SDK.
 */
export class RunAttributesSpanProcessor {
  private reported = false;

  onStart(span: AttributeSettable, parentContext: Context): void {
    try {
      const attributes = getRunAttributes(parentContext);
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
