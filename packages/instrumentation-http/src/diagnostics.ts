import { diag } from '@opentelemetry/api';

const reported = new Set<string>();

/** Reports a problem through the OTel diagnostic logger, once per distinct message. */
export function reportOnce(message: string, error?: unknown): void {
  if (reported.has(message)) return;
  reported.add(message);
  diag.warn(`@agentrace/instrumentation-http: ${message}${error === undefined ? '' : `: ${describe(error)}`}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
