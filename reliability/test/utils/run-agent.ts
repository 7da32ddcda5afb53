// The end-to-end tests run their agents (scripts in reliability/src) as processes of their own, with
// tsx and the repo's test tsconfig, as a user would run them.
import { fileURLToPath } from 'node:url';
import { otlpTracesEndpoint, runProcess, type ProcessResult } from '@agentrace/testing';
import { expect } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs `reliability/src/<script>` in the repo root with this process's environment plus `env`, and
 * `TSX_TSCONFIG_PATH` set so worker threads it starts load TypeScript alike; resolves when it ends.
 */
export function runAgentScript(script: string, env: Record<string, string>, timeoutMs: number): Promise<ProcessResult> {
  return runProcess(`${repo}node_modules/.bin/tsx`, ['--tsconfig', `${repo}tsconfig.test.json`, `${repo}reliability/src/${script}`], {
    cwd: repo,
    env: { ...process.env, TSX_TSCONFIG_PATH: `${repo}tsconfig.test.json`, ...env },
    timeout: timeoutMs,
  });
}

/** Runs an agent that makes `runs` runs as `service`, exporting to the test Jaeger; it must end well, printing `done <runs>`. */
export async function runAgentExportingRuns(script: string, service: string, runs: number): Promise<void> {
  const agent = await runAgentScript(script, { SERVICE_NAME: service, OTLP_TRACES_URL: otlpTracesEndpoint(), RUNS: String(runs) }, 90_000);
  expect(agent.code, agent.stderr).toBe(0);
  expect(agent.stdout).toContain(`done ${runs}`);
}
