#!/usr/bin/env bash
# Installs the workspace's dependencies and builds every package. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null; then
  echo "agentrace needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
if ! command -v pnpm >/dev/null 2>&1; then
  echo "[bootstrap] installing pnpm 10 with npm" >&2
  npm install -g pnpm@10 >/dev/null
fi
pnpm install --frozen-lockfile --reporter=append-only
pnpm build
