#!/usr/bin/env bash
# Runs the @google-cloud/tasks suites (gRPC and REST mode) (tests/node) against a fresh emulator.
set -uo pipefail
EMULATOR=$(realpath "${1:?usage: node_test.sh path/to/cloud-tasks-emulator}")
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
# The suites import EmulatorAuthClient from client/node, whose imports resolve in its own node_modules.
for dir in tests/node client/node; do
  if [ ! -d "$here/../../$dir/node_modules" ]; then
    echo "$dir/node_modules is missing: run 'make node-deps' (it runs npm ci from the lockfiles)"
    exit 1
  fi
done
# Debian 12's Node.js 18 keeps WebCrypto (which jose uses) behind a flag.
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 19 ]; then
  export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-global-webcrypto"
fi
# The suite checks that a deleted queue's name stays blocked, as on Google.
start_emulator --queue-tombstone=1h
cd "$here/../node" && CTE_EMULATOR_HOST="127.0.0.1:$EMU_PORT" CTE_EMULATOR_BIN="$EMULATOR" \
  node --test --test-reporter=spec rest_client.test.mjs grpc_client.test.mjs oidc_dispatch.test.mjs https_dispatch.test.mjs http_target_rest.test.mjs
