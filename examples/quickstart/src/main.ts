// The quickstart agent: triages three support messages concurrently. Each message is one run, so one
// trace: the run, a CRM lookup (a tool making an HTTP call), a classification step and a reply step.
// One customer is unknown to the CRM, so that run fails, and its trace shows where.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { agent, run, step, tool } from '@agentrace/decorators';
import { init, jaegerSearchLink, jaegerTraceLink, jaegerUiUrl } from '@agentrace/tracer';

const tracing = init({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'quickstart-agent',
  // Print each trace as a tree here, and send it to Jaeger (OTEL_EXPORTER_OTLP_ENDPOINT, default localhost:4318).
  exporter: ['console', 'otlp'],
});

// A stand-in for a third-party CRM API.
const customers: Record<string, { name: string; plan: string }> = {
  'c-1': { name: 'Ada', plan: 'pro' },
  'c-2': { name: 'Grace', plan: 'free' },
};
const crm = createServer((req, res) => {
  const id = req.url?.split('/').pop() ?? '';
  const customer = customers[id];
  res.writeHead(customer ? 200 : 404, { 'content-type': 'application/json' });
  res.end(JSON.stringify(customer ?? { error: `no customer ${id}` }));
});
await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
const crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}`;

interface Message {
  id: string;
  customerId: string;
  text: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each run's trace id, to print a link to it. */
const traceIds = new Map<string, string>();

@agent('support-triage')
class SupportTriage {
  @run({ correlationId: (message: Message) => message.id })
  async handle(message: Message): Promise<string> {
    traceIds.set(message.id, trace.getActiveSpan()?.spanContext().traceId ?? '');
    const customer = await this.lookupCustomer(message.customerId);
    const queue = await this.classify(message.text);
    return this.reply(customer.name, queue);
  }

  // Capture on for this one tool: its argument and the customer it returned are on its span (the
  // GenAI tab in Jaeger shows them as JSON), masked by the redaction rules.
  @tool({ name: 'crm_lookup', description: 'Finds a customer in the CRM', capture: true })
  async lookupCustomer(customerId: string): Promise<{ name: string; plan: string }> {
    const res = await fetch(`${crmUrl}/customers/${customerId}`);
    if (!res.ok) throw new Error(`CRM answered ${res.status} for customer ${customerId}`);
    return (await res.json()) as { name: string; plan: string };
  }

  @step()
  async classify(text: string): Promise<string> {
    await sleep(5 + Math.random() * 20); // stands in for a model call
    return /refund|invoice/i.test(text) ? 'billing' : 'general';
  }

  @step()
  async reply(name: string, queue: string): Promise<string> {
    await sleep(2);
    return `Hi ${name}, your message is with our ${queue} team.`;
  }
}

const triage = new SupportTriage();
// Ids unique to this run of the demo, so a search by correlation id finds this run and no earlier one.
const batch = randomBytes(3).toString('hex');
const messages: Message[] = [
  { id: `msg-${batch}-1`, customerId: 'c-1', text: 'Where is my invoice?' },
  { id: `msg-${batch}-2`, customerId: 'c-404', text: 'My login does not work' },
  { id: `msg-${batch}-3`, customerId: 'c-2', text: 'Can I get a refund?' },
];
const results = await Promise.allSettled(messages.map((m) => triage.handle(m)));
crm.close();
await tracing.shutdown();

const jaeger = jaegerUiUrl();
const reachable = await fetch(`${jaeger}/api/services`).then((r) => r.ok, () => false);
const service = tracing.config?.serviceName ?? '';
for (const [i, r] of results.entries()) {
  const message = messages[i]!;
  console.log(`${message.id}: ${r.status === 'fulfilled' ? r.value : `FAILED: ${(r.reason as Error).message}`}`);
  if (reachable) {
    console.log(`  trace:  ${jaegerTraceLink(traceIds.get(message.id) ?? '', jaeger)}`);
    console.log(`  search: ${jaegerSearchLink({ service, tags: { 'agentrace.correlation_id': message.id } }, jaeger)}`);
  }
}
if (!reachable) {
  console.log(
    `\nNo Jaeger at ${jaeger}: the trees above are the traces. To see them in Jaeger, run \`docker compose up -d\` (or \`node scripts/services.mjs up jaeger\`) and run the demo again.`,
  );
}
