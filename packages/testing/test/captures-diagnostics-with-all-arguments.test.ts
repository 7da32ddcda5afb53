import { createReporter } from '@agentrace/core';
import { captureDiagnostics } from '@agentrace/testing';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';

afterEach(() => diag.disable());

describe('captureDiagnostics', () => {
  it("joins every argument, so a component logger's message reads with its namespace", () => {
    const diagnostics = captureDiagnostics();
    diag.createComponentLogger({ namespace: '@agentrace/x' }).warn('queue is full');
    createReporter('@agentrace/y').error('export failed', new Error('socket hang up'));
    diag.error('plain', new TypeError('bad'), { attempt: 2 });
    diagnostics.restore();
    expect(diagnostics.messages.map(({ level, text }) => ({ level, text }))).toEqual([
      { level: 'warn', text: '@agentrace/x queue is full' },
      { level: 'error', text: '@agentrace/y export failed: socket hang up' },
      { level: 'error', text: 'plain TypeError: bad { attempt: 2 }' },
    ]);
    expect(diagnostics.messages[0]!.args).toEqual(['@agentrace/x', 'queue is full']);
  });

  it('keeps warnings and errors unless asked for more, and stops at restore()', () => {
    const quiet = captureDiagnostics();
    diag.info('not kept');
    diag.warn('kept');
    quiet.restore();
    diag.warn('after restore');
    expect(quiet.messages.map((m) => m.text)).toEqual(['kept']);

    const all = captureDiagnostics({ logLevel: DiagLogLevel.ALL });
    diag.debug('details', 1);
    all.restore();
    expect(all.messages).toEqual([{ level: 'debug', text: 'details 1', args: ['details', 1] }]);
  });
});
