// A downstream service the agent syncs profiles to ("B" or "C"): its own process, traced with init().
// The HTTP instrumentation makes a SERVER span per request that continues the agent's trace (W3C
// traceparent) and carries the run's correlation id (baggage). The service rejects the profile of
// FAIL_USER, so the trace shows the failure here, in this service, not only as a 500 in the agent.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { step } from '@agentrace/decorators';
import { init } from '@agentrace/tracer';

const name = process.env.SERVICE_NAME ?? 'B';
const failUser = process.env.FAIL_USER ?? '';
// The agent calling this service runs on this host: its baggage (the run's correlation id, user.id) is
// trusted. Without `trustedCallers`, a caller's identity values are only recorded as agentrace.caller.*.
const tracing = init({
  serviceName: process.env.OTEL_SERVICE_NAME ?? `profile-sync-${name.toLowerCase()}`,
  exporter: ['console', 'otlp'],
  http: { trustedCallers: ['127.0.0.1', '::1'] },
});

class ProfileReplica {
  readonly #profiles = new Map<string, unknown>();

  @step('apply profile')
  async apply(userId: string, profile: { email?: string }): Promise<number> {
    if (userId === failUser) {
      throw new Error(`service ${name} rejects the profile of ${userId}: email ${profile.email ?? '?'} fails its validation`);
    }
    this.#profiles.set(userId, profile);
    return this.#profiles.size;
  }
}

const replica = new ProfileReplica();
const server = createServer((req, res) => {
  const userId = decodeURIComponent(req.url?.split('/').pop() ?? '');
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    replica.apply(userId, JSON.parse(body || '{}') as { email?: string }).then(
      (count) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ service: name, stored: userId, profiles: count }));
      },
      (error: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ service: name, error: error.message }));
      },
    );
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  // The agent waits for this line to learn the port.
  console.log(`READY ${(server.address() as AddressInfo).port}`);
});
// On SIGTERM init() exports what has ended and lets the signal end the process; closing the server
// first stops new requests.
process.on('SIGTERM', () => server.close());
void tracing;
