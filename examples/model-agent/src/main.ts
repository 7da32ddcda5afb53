// Asks the weather agent three questions against the local model server and prints each answer with
// a link to its trace. `--capture` records the prompts and answers on the model-call spans.
import { init, jaegerSearchLink, jaegerTraceLink, jaegerUiUrl } from '@agentrace/tracer';
import { WeatherAgent, type Question } from './agent.js';
import { startModelServer } from './model-server.js';

const capture = process.argv.includes('--capture');
const jaeger = jaegerUiUrl();
const tracing = init({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'model-agent',
  exporter: ['console', 'otlp'],
  http: { genAi: { captureContent: capture } },
});

const model = await startModelServer();
const agent = new WeatherAgent(model.baseURL, model.weatherURL);
const stamp = Date.now().toString(36);
const questions: Question[] = [
  { id: `weather-1-${stamp}`, text: 'What is the weather in Paris?' },
  { id: `weather-2-${stamp}`, text: 'Compare the weather in Lyon and Oslo.' },
  { id: `weather-3-${stamp}`, text: 'Is it warm in Lisbon and in Atlantis?' },
];
const answers = [];
for (const question of questions) answers.push({ question, answer: await agent.answer(question) });
await model.close();
await tracing.shutdown();

const service = tracing.config?.serviceName ?? 'model-agent';
const reachable = await fetch(`${jaeger}/api/services`).then((r) => r.ok, () => false);
console.log('\nAnswers:');
for (const { question, answer } of answers) {
  console.log(`  ${question.id}  "${question.text}"`);
  console.log(`    → ${answer.text}  (${answer.modelCalls} model calls, ${answer.toolRuns} tool runs)`);
  if (reachable) {
    console.log(`    trace:  ${jaegerTraceLink(answer.traceId, jaeger)}`);
    console.log(`    search: ${jaegerSearchLink({ service, tags: { 'agentrace.correlation_id': question.id } }, jaeger)}`);
  }
}
console.log(
  reachable
    ? `\nAll runs in Jaeger: ${jaegerSearchLink({ service }, jaeger)}`
    : `\nNo Jaeger at ${jaeger}: the trees above are the traces. Start it with \`docker compose up -d\` (or \`node scripts/services.mjs up jaeger\`) and run again.`,
);
