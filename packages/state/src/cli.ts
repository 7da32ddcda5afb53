#!/usr/bin/env node
// The `agentrace-lost-updates` bin. The work is in lost-updates-cli.ts, so tests run it in process.
import { runLostUpdatesCli } from './lost-updates-cli.js';

runLostUpdatesCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`agentrace-lost-updates: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
