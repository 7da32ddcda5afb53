#!/usr/bin/env node
// The installed `agentrace-lost-updates` command. The program itself is built into dist/; this file
// is committed so that installing the workspace before its first build can link the command.
import '../dist/esm/cli.js';
