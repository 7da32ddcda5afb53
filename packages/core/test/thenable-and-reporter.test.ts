import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createReporter, describeError } from '../src/diagnostics.js';
import { isThenable, whenSettled } from '../src/thenable.js';

afterEach(() => diag.disable());

function capture(): string[] {
  const lines: string[] = [];
  const push = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  const logger: DiagLogger = { error: push, warn: push, info: push, debug: push, verbose: push };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return lines;
}

describe('isThenable', () => {
  it('is hostile-safe', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const throwingThen = Object.defineProperty({}, 'then', { get: () => { throw new Error('getter'); } });
    expect(isThenable(proxy)).toBe(false);
    expect(isThenable(throwingThen)).toBe(false);
    expect(isThenable(Promise.resolve(1))).toBe(true);
    expect(isThenable({ then: () => undefined })).toBe(true);
    expect(isThenable(null)).toBe(false);
    expect(isThenable('then')).toBe(false);
  });
});

describe('whenSettled', () => {
  it('passes values and the same error through, sync and async', async () => {
    const seen: unknown[] = [];
    expect(whenSettled(5, (error, failed, value) => seen.push([failed, value]))).toBe(5);
    await expect(whenSettled(Promise.resolve(6), (error, failed, value) => seen.push([failed, value]))).resolves.toBe(6);
    const boom = new Error('boom');
    await expect(whenSettled(Promise.reject(boom), (error, failed) => seen.push([failed, error]))).rejects.toBe(boom);
    expect(seen).toEqual([[false, 5], [false, 6], [true, boom]]);
  });
});

describe('createReporter', () => {
  it('prefixes the component, reports once per key, and never throws', () => {
    const lines = capture();
    const reporter = createReporter('@agentrace/example');
    reporter.warnOnce('k', 'first');
    reporter.warnOnce('k', 'second');
    reporter.errorOnce('other', 'failed', new Error('cause'));
    expect(lines).toEqual(['@agentrace/example first', '@agentrace/example failed: cause']);
    diag.setLogger({ error: () => { throw new Error('broken logger'); }, warn: () => { throw new Error('broken'); } } as unknown as DiagLogger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    expect(() => reporter.error('x')).not.toThrow();
  });

  it('bounds its memory of reported keys', () => {
    const lines = capture();
    const reporter = createReporter('@agentrace/flood');
    for (let i = 0; i < 5000; i++) reporter.warnOnce(`key-${i}`, `problem ${i}`);
    expect(lines.length).toBe(1025);
    expect(lines.at(-1)).toContain('further ones are not reported');
  });
});

describe('describeError', () => {
  it('never runs a hostile toString and caps what it prints', () => {
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    expect(describeError(sparse).length).toBeLessThan(300);
    expect(describeError({ toString: () => { throw new Error('no'); } })).not.toContain('no');
    expect(describeError(new Error('m'.repeat(5000))).length).toBeLessThanOrEqual(220);
    expect(describeError('text')).toBe('text');
  });
});
