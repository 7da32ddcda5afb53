// The setup most test files of this package share: in-memory tracing, then the HTTP instrumentation,
// then the local test server. Spans are forgotten before each test; all is taken down after the file.
import { instrumentHttp, type AgentraceHttpInstrumentationConfig } from '@agentrace/instrumentation-http';
import { setupTracing, type TestTracing } from '@agentrace/testing';
import { afterAll, beforeEach } from 'vitest';
import { startTestServer, type Route, type StartedTestServer } from './server.js';

/** For a test file's top level: `const { tracing, server } = await startInstrumentedServer({ server: false });` */
export async function startInstrumentedServer(
  config: AgentraceHttpInstrumentationConfig = {},
  routes: Record<string, Route> = {},
): Promise<{ tracing: TestTracing; server: StartedTestServer }> {
  const tracing = setupTracing();
  const handle = instrumentHttp(config);
  const server = await startTestServer(routes);
  afterAll(async () => {
    handle.disable();
    await server.close();
    await tracing.shutdown();
  });
  beforeEach(() => tracing.reset());
  return { tracing, server };
}
