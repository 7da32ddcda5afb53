// The published shape of the test kit: packed with its workspace dependencies and installed with a
// plain `npm install`, it brings the in-memory SDK pieces and nothing that exports or instruments.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedPackages, npmInstallTarballs, packWorkspacePackages, withWorkspaceDependencies } from '../../../scripts/pack-workspace.js';

const FORBIDDEN = [/^@opentelemetry\/exporter-/, /^@opentelemetry\/instrumentation/, /^@agentrace\/instrumentation-/, /^@agentrace\/tracer$/];

let scratch: string;
let project: string;
let packed: Map<string, string>;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'agentrace-testing-pack-'));
  packed = packWorkspacePackages(withWorkspaceDependencies('@agentrace/testing'), join(scratch, 'tarballs'));
  project = join(scratch, 'project');
  mkdirSync(project);
  npmInstallTarballs(project, packed, ['@agentrace/testing']);
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('npm install @agentrace/testing', () => {
  it('packs only the workspace packages the kit needs at run time', () => {
    expect([...packed.keys()]).toEqual(['@agentrace/core', '@agentrace/testing']);
  });

  it('installs no exporter, no instrumentation and not the tracer', () => {
    const installed = installedPackages(project);
    expect([...installed.keys()].filter((name) => FORBIDDEN.some((pattern) => pattern.test(name)))).toEqual([]);
    // The kit's own pieces are there, the @agentrace ones from the local tarballs.
    for (const name of ['@agentrace/testing', '@agentrace/core', '@opentelemetry/sdk-trace-base', '@opentelemetry/context-async-hooks', '@opentelemetry/api']) {
      expect(installed.has(name), `${name} installed`).toBe(true);
    }
    expect(installed.get('@agentrace/core')?.resolved).toBe(`file:${packed.get('@agentrace/core')}`);
  });

  it('loads and records spans from both module systems', () => {
    const script = (load: string) =>
      `${load}; const t = kit.setupTracing({ autoReset: false }); api.trace.getTracer('x').startSpan('packed').end();` +
      ` console.log(t.spans()[0].name, typeof jaeger.jaegerTraceToTree); t.shutdown();`;
    const cjs = script(`const kit = require('@agentrace/testing'); const jaeger = require('@agentrace/core/jaeger'); const api = require('@opentelemetry/api')`);
    const esm = script(
      `const kit = await import('@agentrace/testing'); const jaeger = await import('@agentrace/core/jaeger'); const api = await import('@opentelemetry/api')`,
    );
    expect(execFileSync(process.execPath, ['-e', cjs], { cwd: project, encoding: 'utf8' }).trim()).toBe('packed function');
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', esm], { cwd: project, encoding: 'utf8' }).trim()).toBe('packed function');
  });
});
