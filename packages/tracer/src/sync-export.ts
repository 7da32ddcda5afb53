import { spawnSync } from 'node:child_process';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { contentTypeOf, encodeSpans } from './otlp-http-exporter.js';
import type { OtlpProtocol } from './types.js';

// Runs in a short-lived child. Everything it needs comes on stdin: one JSON line (URL, headers,
// content type), then the request body. The headers usually hold a token: on the command line they
// would be readable by any user of the machine (`ps`, /proc/<pid>/cmdline); stdin is a pipe only
// the two processes hold. Exit code 0 means the endpoint accepted the spans.
const POST_SCRIPT = `
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c)).on('end', () => {
  const all = Buffer.concat(chunks);
  const nl = all.indexOf(10);
  const { url, headers } = JSON.parse(all.subarray(0, nl).toString('utf8'));
  fetch(url, { method: 'POST', headers, body: all.subarray(nl + 1) })
    .then((r) => process.exit(r.ok ? 0 : 2), () => process.exit(3));
});`;

/** Environment variables the child does not need and that may hold the export's credentials. */
const WITHHELD_ENV = /^(NODE_OPTIONS|OTEL_EXPORTER_OTLP_(TRACES_)?HEADERS)$/;

/**
 * Posts spans to an OTLP/HTTP endpoint synchronously, for the moment a process is exiting
 * (`process.exit()`, an uncaught exception) when no asynchronous request can complete. It blocks the
 * calling thread, so nothing else of the dying program runs meanwhile, for at most `timeoutMillis`.
 */
export function postSpansSync(
  url: string,
  headers: Record<string, string>,
  spans: ReadableSpan[],
  timeoutMillis: number,
  protocol: OtlpProtocol = 'http/protobuf',
): boolean {
  const body = encodeSpans(spans, protocol);
  if (!body) return false;
  const meta = Buffer.from(`${JSON.stringify({ url, headers: { ...headers, 'content-type': contentTypeOf(protocol) } })}\n`, 'utf8');
  const env: NodeJS.ProcessEnv = {};
  // The child must not load agentrace (or anything else) through the parent's preload options.
  for (const [k, v] of Object.entries(process.env)) if (!WITHHELD_ENV.test(k)) env[k] = v;
  const result = spawnSync(process.execPath, ['-e', POST_SCRIPT], {
    input: Buffer.concat([meta, body]),
    timeout: timeoutMillis,
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
    killSignal: 'SIGKILL',
  });
  return result.status === 0;
}
