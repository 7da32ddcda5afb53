// Preload entry: `node --import @agentrace/tracer/register app.js` (ESM) or
// `node --require @agentrace/tracer/register app.js` (CommonJS) traces an app with no code change,
// configured from the OTEL_* environment variables.
import { init } from './init.js';

init();
