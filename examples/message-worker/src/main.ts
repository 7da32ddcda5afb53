// Processes eight order messages, four at a time, through an in-process queue. Message msg-5 points
// at a truncated document: its run fails in the `process` step, and its trace shows the exception there.
import { randomBytes } from 'node:crypto';
import { init, jaegerSearchLink, jaegerTraceLink, jaegerUiUrl } from '@agentrace/tracer';
import { orderDocument, startDocumentApi } from './documents.js';
import { createLogger, MessageWorker, processMessages, type Message } from './worker.js';

const tracing = init({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'message-worker',
  // Each trace printed as a tree here, and sent to Jaeger (OTEL_EXPORTER_OTLP_ENDPOINT, default localhost:4318).
  exporter: ['console', 'otlp'],
});

// Message ids unique to this run of the example, so a search by correlation id finds only this run.
const batch = randomBytes(3).toString('hex');
const POISON = `msg-${batch}-5`;
const messages: Message[] = Array.from({ length: 8 }, (_, i) => ({ id: `msg-${batch}-${i + 1}`, documentId: `order-${i + 1}` }));
const documents = new Map(messages.map((m) => [m.documentId, orderDocument(m.documentId, m.id === POISON)]));
const api = await startDocumentApi(documents);

// pino writes JSON lines to standard output; each line logged inside a run has trace_id and correlation_id.
const worker = new MessageWorker(api.url, createLogger());
const outcomes = await processMessages(worker, messages, 4);
await api.close();
await tracing.shutdown();

const jaeger = jaegerUiUrl();
const reachable = await fetch(`${jaeger}/api/services`).then((r) => r.ok, () => false);
const service = tracing.config?.serviceName ?? '';
console.log('\nOutcomes:');
for (const o of outcomes) {
  console.log(`  ${o.id}  ${o.ok ? `total ${o.total}` : `FAILED: ${(o.error as Error).name}: ${(o.error as Error).message}`}`);
  if (reachable) {
    console.log(`    trace:  ${jaegerTraceLink(o.traceId ?? '', jaeger)}`);
    console.log(`    search: ${jaegerSearchLink({ service, tags: { 'agentrace.correlation_id': o.id } }, jaeger)}`);
  }
}
if (!reachable) {
  console.log(`\nNo Jaeger at ${jaeger}: the trees above are the traces. Start it with \`docker compose up -d\` (or \`node scripts/services.mjs up jaeger\`) and run again.`);
}
