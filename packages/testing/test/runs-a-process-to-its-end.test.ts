import { runProcess } from '@agentrace/testing';
import { describe, expect, it } from 'vitest';

describe('runProcess', () => {
  it('resolves with the exit code of a failed run too, with the environment given', async () => {
    const result = await runProcess(process.execPath, ['-e', 'process.exitCode = Number(process.env.CODE)'], { env: { ...process.env, CODE: '3' } });
    expect(result.code).toBe(3);
    expect(typeof result.stdout).toBe('string');
    expect(typeof result.stderr).toBe('string');
  });

  it('rejects when the program cannot be started', async () => {
    await expect(runProcess(`${process.execPath}-not-there`, [])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
