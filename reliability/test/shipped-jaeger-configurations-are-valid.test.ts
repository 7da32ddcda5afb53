// Issue 20: every Jaeger configuration the repository ships (the default, each overlay of scripts/jaeger/
// and their combinations as scripts/services.mjs and the Compose override files combine them, and the
// Jaeger tiers of the cluster in scripts/jaeger/cluster/) passes the Jaeger binary's own `validate`.
// The load balancer tier runs the OpenTelemetry Collector's contrib distribution, not built here.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jaegerLaunch } from '../../scripts/services.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = execFileSync(process.execPath, [`${repo}scripts/services.mjs`, 'jaeger-bin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;

function validate(args: string[], env: Record<string, string> = {}): { status: number | null; output: string } {
  const r = spawnSync(bin, ['validate', ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('shipped Jaeger configurations', () => {
  it.each(['', 'badger', 'tail-sampling', 'badger,tail-sampling', 'badger,container', 'badger,tail-sampling,container'])('scripts/jaeger-config.yaml with overlays "%s"', (overlays) => {
    const launch = jaegerLaunch(overlays, '/tmp/agentrace-validate');
    const r = validate(launch.args, launch.env);
    expect(r.status, r.output).toBe(0);
  });

  it('the default is exactly scripts/jaeger-config.yaml', () => {
    expect(jaegerLaunch(undefined).args).toEqual(['--config', `${repo}scripts/jaeger-config.yaml`]);
  });

  it.each([
    [['scripts/jaeger/cluster/sampling-collector.yaml', 'scripts/jaeger/tail-sampling.yaml']],
    [['scripts/jaeger/cluster/ingester.yaml']],
    [['scripts/jaeger/cluster/query.yaml']],
  ])('cluster tier %j', (files) => {
    const r = validate(files.flatMap((f) => ['--config', f]));
    expect(r.status, r.output).toBe(0);
  });

  it('validate does reject a broken configuration (so the checks above mean something)', () => {
    const r = validate(['--config', 'scripts/jaeger-config.yaml', '--set=service.pipelines.traces.exporters=[nope]']);
    expect(r.status).not.toBe(0);
  });
});
