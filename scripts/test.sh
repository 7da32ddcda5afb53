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

# --- Node versions ------------------------------------------------------------------------------
# AGENTRACE_NODE=22 bash scripts/test.sh (or 20, 24, a path to a node binary) runs every test on that
# Node; scripts/node.sh installs it into the cache directory when missing. Without AGENTRACE_NODE the
# suite runs on the system Node, then the tests that depend on the Node version (module hooks, fetch
# and undici, exit hooks, the support matrix) run on each Node of AGENTRACE_OTHER_NODES (default
# "22 24"; empty to skip). README, "Supported versions", says why this subset.
node_bin=$(bash scripts/node.sh "${AGENTRACE_NODE:-$(node -p 'process.versions.node.split(".")[0]')}")
other_nodes=${AGENTRACE_OTHER_NODES-22 24}
[ -z "${AGENTRACE_NODE:-}" ] || other_nodes=""
NODE_SUBSET=(packages/core packages/tracer packages/instrumentation-http packages/instrumentation-queue reliability/test/support-matrix.test.ts)
# Known to fail on Node 22 (npm undici's GenAI body capture, a streamed response's request count,
# disable/enable of the undici patches); to be fixed, then taken off this list.
NODE_SUBSET+=(--exclude '**/enriches-model-api-calls.test.ts' --exclude '**/client-spans-follow-http-conventions.test.ts' --exclude '**/limited-dispatchers-keep-the-caller-context.test.ts')
vitest() { "$1" node_modules/vitest/vitest.mjs run "${@:2}"; }
summary() {
  node -e '
    const r = require(process.argv[1]);
    console.log(`${process.argv[2]}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  ' "$@" || true
}

echo "--- all tests on Node $("$node_bin" -v)"
vitest "$node_bin" --reporter=default --reporter=json --outputFile.json=.services/vitest-report.json "$@" || status=$?
summaries=("$PWD/.services/vitest-report.json" "Node $("$node_bin" -v)")
for major in $other_nodes; do
  other=$(bash scripts/node.sh "$major")
  echo "--- Node-dependent tests on Node $("$other" -v)"
  vitest "$other" --reporter=default --reporter=json --outputFile.json=".services/vitest-report-node$major.json" "${NODE_SUBSET[@]}" || status=$?
  summaries+=("$PWD/.services/vitest-report-node$major.json" "Node $("$other" -v), Node-dependent subset")
done
for ((i = 0; i < ${#summaries[@]}; i += 2)); do summary "${summaries[i]}" "${summaries[i + 1]}"; done
exit "$status"
