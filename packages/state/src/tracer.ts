import { trace, type Tracer } from '@opentelemetry/api';

const NAME = '@agentrace/state';
const VERSION = '0.1.0';

/** Looked up per use (cheap), so a provider registered after import is still picked up. */
export function stateTracer(): Tracer {
  return trace.getTracer(NAME, VERSION);
}
