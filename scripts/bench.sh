#!/usr/bin/env bash
# Runs every benchmark under bench/ (each compares agentrace with raw OpenTelemetry and its peers in
# the same process run), then writes BENCHMARKS.md from their results in bench/results/.
# Usage: bash scripts/bench.sh [decorators http queue export sampling]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh >/dev/null

started=$(node scripts/services.mjs up)
trap '[ -z "$started" ] || node scripts/services.mjs down $started || true' EXIT

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(decorators http queue export export-loop sampling genai)
for name in "${names[@]}"; do
  echo "== bench/$name.ts" >&2
  (cd bench && NODE_ENV=production pnpm exec tsx "$name.ts")
done

{
  echo "# Benchmarks"
  echo
  echo "Made by \`bash scripts/bench.sh\` (one benchmark: \`bash scripts/bench.sh decorators\`). Each benchmark"
  echo "runs agentrace, raw OpenTelemetry and the peers in the same process run, on the same machine."
  echo
  for f in bench/results/*.md; do cat "$f"; echo; done
} > BENCHMARKS.md
echo "wrote BENCHMARKS.md" >&2
