// CONTRACT: `getRunAttributes(ctx)` returns the attributes every span started in `ctx` must carry:
// the run's correlation id and the run attributes from baggage (allowlisted), and the agent name
// from the active decorated agent. The tracer's span processor calls it in onStart for every span,
// so spans made by HTTP/queue instrumentations carry them too.
import type { Attributes, Context } from '@opentelemetry/api';

export function getRunAttributes(_ctx: Context): Attributes {
  return {};
}
