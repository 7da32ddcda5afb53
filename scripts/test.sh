#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, starts Jaeger, Redis and
# RabbitMQ on loopback (scripts/services.mjs), type-checks, runs every test, stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
pnpm typecheck

# Only what this run starts is stopped at the end; services already running are left alone. The
# tests need no Jaeger UI, so none is fetched (a cached or AGENTRACE_JAEGER_UI_DIR one is served).
started=$(AGENTRACE_JAEGER_UI_FETCH="${AGENTRACE_JAEGER_UI_FETCH:-0}" node scripts/services.mjs up)
stop_services() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    echo "--- service logs (.services/logs), last lines ---" >&2
    for f in .services/logs/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 20 "$f" >&2; }; done
  fi
  [ -z "$started" ] || node scripts/services.mjs down $started || true
  exit "$status"
}
trap stop_services EXIT

mkdir -p .services
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.services/vitest-report.json "$@" || status=$?
node -e '
  const r = require("./.services/vitest-report.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
