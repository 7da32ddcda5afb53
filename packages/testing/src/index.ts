export { setupTracing, type TestTracing } from './setup-tracing.js';
