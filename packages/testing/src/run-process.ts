// End-to-end tests run the program under test as a user would, in a process of its own (an agent
// exporting to Jaeger, an app started with a loader), then check what it printed and exported.
import { spawn } from 'node:child_process';
import type { ProcessResult, RunProcessOptions } from './types.js';

/**
 * Runs a program to its end and resolves with its exit code and all it wrote. A failed exit
 * resolves too, so the test can show the output (`expect(result.code, result.stderr).toBe(0)`);
 * it rejects only when the program cannot be started.
 */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
