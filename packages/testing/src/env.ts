// Where the end-to-end services are, read from the same variables in every package's tests (the Jaeger
// query URL: `jaegerQueryUrl` of `@agentrace/core/jaeger`).

function fromEnv(name: string, fallback: string): string {
  const value = process.env[name]?.trim();
  // A trailing slash would double up when paths are appended.
  return (value || fallback).replace(/\/+$/, '');
}

/** The OTLP/HTTP traces URL: `AGENTRACE_OTLP_ENDPOINT` (default `http://127.0.0.1:4318`) + `/v1/traces`. */
export function otlpTracesEndpoint(): string {
  return `${fromEnv('AGENTRACE_OTLP_ENDPOINT', 'http://127.0.0.1:4318')}/v1/traces`;
}
