// The tracer's span processor calls getRunAttributes(parentContext) in onStart: spans from other
// instrumentations (HTTP, queues, hand-made) started under a decorated call carry the run's attributes.
import { context, trace } from '@opentelemetry/api';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { agent, run, step } from '@agentrace/decorators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// setupTracing() installs the tracer's run-attributes span processor, as `init` does.
let tracing: TestTracing;
beforeAll(() => {
  tracing = setupTracing();
});
afterAll(() => tracing.shutdown());

@agent('mailer')
class Mailer {
  @run({ correlationId: 'corr-http', runAttributes: { 'user.id': 'u-1' } })
  async handle(): Promise<void> {
    await this.send();
  }

  @step() async send(): Promise<void> {
    // Stands in for an HTTP client span made by another instrumentation.
    const span = trace.getTracer('http-client').startSpan('POST', {}, context.active());
    await new Promise((r) => setTimeout(r, 1));
    span.end();
  }
}

describe('getRunAttributes from a span processor', () => {
  it('gives every span started under a decorated call the correlation id, run attributes and agent name', async () => {
    await new Mailer().handle();
    const http = tracing.spans().find((s) => s.name === 'POST')!;
    expect(http.attributes).toEqual({
      'agentrace.correlation_id': 'corr-http',
      'user.id': 'u-1',
      'agentrace.agent.name': 'mailer',
    });
    expect(tracing.spans()).toHaveLength(3);
    // Outside any run nothing is added.
    trace.getTracer('x').startSpan('outside').end();
    expect(tracing.spans().find((s) => s.name === 'outside')!.attributes).toEqual({});
  });
});
