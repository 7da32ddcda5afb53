import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources of every workspace package, so no build is needed between edits.
    alias: [
      { find: /^@agentrace\/testing\/vitest$/, replacement: `${packages}testing/src/vitest.ts` },
      { find: /^@agentrace\/core\/jaeger$/, replacement: `${packages}core/src/jaeger/index.ts` },
      { find: /^@agentrace\/(core|tracer|decorators|testing|state|instrumentation-http|instrumentation-queue)$/, replacement: `${packages}$1/src/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'reliability/test/**/*.test.ts'],
    globalSetup: ['./scripts/vitest-services.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
