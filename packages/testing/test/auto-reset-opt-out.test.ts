import { trace } from '@opentelemetry/api';
import { useTracing } from '@agentrace/testing/vitest';
import { describe, expect, it } from 'vitest';

// The vitest entry is imported (it registers the reset hook), but this setup opted out.
const tracing = useTracing({ autoReset: false });

describe('autoReset: false', () => {
  it('first test makes a span', () => {
    trace.getTracer('t').startSpan('kept').end();
  });

  it('second test still sees it', () => {
    expect(tracing.spans().map((s) => s.name)).toEqual(['kept']);
  });
});
