#!/usr/bin/env bash
# The main job: runs the quickstart agent, prints each run's trace as a tree, and exports it to
# Jaeger when one is reachable (http://localhost:16686).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh >/dev/null
exec pnpm --filter @agentrace/example-quickstart --silent start
