// Where the end-to-end services are, read from the same variables in every package's tests.

function fromEnv(name: string, fallback: string): string {
  const value = process.env[name]?.trim();
  // A trailing slash would double up when paths are appended.
  return (value || fallback).replace(/\/+$/, '');
}

/** The Jaeger query API base URL: `AGENTRACE_JAEGER_QUERY_URL`, default `http://127.0.0.1:16686`. */
export function jaegerQueryUrl(): string {
  return fromEnv('AGENTRACE_JAEGER_QUERY_URL', 'http://127.0.0.1:16686');
}

/** The OTLP/HTTP traces URL: `AGENTRACE_OTLP_ENDPOINT` (default `http://127.0.0.1:4318`) + `/v1/traces`. */
export function otlpTracesEndpoint(): string {
  return `${fromEnv('AGENTRACE_OTLP_ENDPOINT', 'http://127.0.0.1:4318')}/v1/traces`;
}
