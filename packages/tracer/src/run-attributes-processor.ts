import { diag, type Context } from '@opentelemetry/api';
import { getRunAttributes } from '@agentrace/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Puts the run's correlation id, its run attributes and the agent name on every span at start, so
 * spans made by any instrumentation (HTTP, queues, third-party) can be found by run.
 */
export class RunAttributesSpanProcessor implements SpanProcessor {
  private reported = false;

  onStart(span: Span, parentContext: Context): void {
    try {
      const attributes = getRunAttributes(parentContext);
      for (const key in attributes) {
        span.setAttributes(attributes);
        break;
      }
    } catch (error) {
      if (!this.reported) {
        this.reported = true;
        diag.error('agentrace: could not read the run attributes; spans will lack them', error);
      }
    }
  }

  onEnd(_span: ReadableSpan): void {}
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}
