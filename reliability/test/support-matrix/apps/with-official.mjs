// Runs a workload app (MATRIX_WORKLOAD) with an official OpenTelemetry instrumentation
// (MATRIX_OFFICIAL: amqplib, undici or http) registered beside agentrace, in the order MATRIX_ORDER
// says (official-first or agentrace-first), both before the workload loads its libraries.
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { init } from '@agentrace/tracer';

const OFFICIAL = {
  amqplib: ['@opentelemetry/instrumentation-amqplib', 'AmqplibInstrumentation'],
  undici: ['@opentelemetry/instrumentation-undici', 'UndiciInstrumentation'],
  http: ['@opentelemetry/instrumentation-http', 'HttpInstrumentation'],
};
const [pkg, className] = OFFICIAL[process.env.MATRIX_OFFICIAL];
const registerOfficial = async () => {
  const Instrumentation = (await import(pkg))[className];
  registerInstrumentations({ instrumentations: [new Instrumentation()] });
};
if (process.env.MATRIX_ORDER === 'official-first') {
  await registerOfficial();
  init();
} else {
  init();
  await registerOfficial();
}
await import(`./${process.env.MATRIX_WORKLOAD}`);
