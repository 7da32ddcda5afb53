import { setupTracing, type TestTracing } from '@agentrace/testing';
import { configureDecorators, openSpanCount, traced } from '@agentrace/decorators';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetDecoratorsConfig } from '../src/config.js';
import { captureDiag, tick } from './utils/spans.js';

let tracing: TestTracing;
beforeAll(() => {
  tracing = setupTracing();
});
afterAll(async () => {
  resetDecoratorsConfig();
  await tracing.shutdown();
});

describe('open-span diagnostics', () => {
  it('counts open spans and warns once per span open longer than the bound', async () => {
    const diagCapture = captureDiag();
    try {
      configureDecorators({ longOpenWarningMs: 10 });
      let release!: () => void;
      const hung = traced('hung-step', () => new Promise<void>((r) => (release = r)));
      const quick = traced('quick-step', async () => {});
      expect(openSpanCount()).toBe(0);
      const p = hung();
      await quick();
      expect(openSpanCount()).toBe(1);
      await vi.waitFor(() => expect(diagCapture.messages.some((m) => m.level === 'warn')).toBe(true), { timeout: 5_000, interval: 5 });
      await tick(40); // several more sweeps: still one warning
      const warnings = diagCapture.messages.filter((m) => m.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.text).toContain('span "hung-step"');
      expect(warnings[0]!.text).toContain('an await may be hung');
      release();
      await p;
      expect(openSpanCount()).toBe(0);
    } finally {
      diagCapture.restore();
    }
  });

  it('bad settings are reported, not thrown', () => {
    const diagCapture = captureDiag();
    try {
      configureDecorators({ longOpenWarningMs: -5, streamIdleTimeoutMs: 'x' as never });
      expect(diagCapture.messages.filter((m) => m.level === 'error')).toHaveLength(2);
    } finally {
      diagCapture.restore();
    }
  });
});
