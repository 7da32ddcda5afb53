import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { VERSION } from '../src/version.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the resource says which process, of which version, made the spans', () => {
  it('a random service.instance.id per process, and agentrace as the distribution', () => {
    const a = resolveConfig({}, {}).resourceAttributes;
    const b = resolveConfig({}, {}).resourceAttributes;
    expect(a['service.instance.id']).toMatch(UUID);
    expect(a['service.instance.id']).not.toBe(b['service.instance.id']);
    expect(a['telemetry.distro.name']).toBe('agentrace');
    expect(a['telemetry.distro.version']).toBe(VERSION);
    expect(VERSION).toBe(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
  });

  it('service.version: option, then OTEL_RESOURCE_ATTRIBUTES, then npm_package_version, then the nearest package.json', () => {
    expect(resolveConfig({ serviceVersion: '3.0.0' }, { OTEL_RESOURCE_ATTRIBUTES: 'service.version=2.0.0', npm_package_version: '1.0.0' }).resourceAttributes['service.version']).toBe('3.0.0');
    expect(resolveConfig({}, { OTEL_RESOURCE_ATTRIBUTES: 'service.version=2.0.0', npm_package_version: '1.0.0' }).resourceAttributes['service.version']).toBe('2.0.0');
    expect(resolveConfig({}, { npm_package_version: '1.0.0' }).resourceAttributes['service.version']).toBe('1.0.0');
    // Under vitest the entry script is vitest's own: its package.json gives a version.
    expect(resolveConfig({}, {}).resourceAttributes['service.version']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an id the user gives is kept', () => {
    const c = resolveConfig({}, { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=worker-7' });
    expect(c.resourceAttributes['service.instance.id']).toBe('worker-7');
  });
});
