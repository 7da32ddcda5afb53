import { spawnSync } from 'node:child_process';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

// Runs in a short-lived child: reads the OTLP JSON body from stdin and posts it. Exit code 0 means
// the endpoint accepted it.
const POST_SCRIPT = `
const [url, headers] = JSON.parse(process.argv[1]);
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c)).on('end', () => {
  fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
    .then((r) => process.exit(r.ok ? 0 : 2), () => process.exit(3));
});`;

/**
 * Posts spans to an OTLP/HTTP JSON endpoint synchronously, for the moment a process is exiting
 * (`process.exit()`, an uncaught exception) when no asynchronous request can complete. It blocks the
 * event loop, so nothing else of the dying program runs meanwhile, for at most `timeoutMillis`.
 */
export function postSpansSync(url: string, headers: Record<string, string>, spans: ReadableSpan[], timeoutMillis: number): boolean {
  const body = JsonTraceSerializer.serializeRequest(spans);
  if (!body) return false;
  const env = { ...process.env };
  // The child must not load agentrace (or anything else) through the parent's preload options.
  delete env.NODE_OPTIONS;
  const result = spawnSync(process.execPath, ['-e', POST_SCRIPT, JSON.stringify([url, headers])], {
    input: body,
    timeout: timeoutMillis,
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
    killSignal: 'SIGKILL',
  });
  return result.status === 0;
}
