#!/usr/bin/env bash
# Runs the helper's node:test suite (CTest: node_helper) against the emulator binary given.
set -uo pipefail
EMULATOR=$(realpath "${1:?usage: run.sh path/to/cloud-tasks-emulator}")
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$here/node_modules" ]; then
  echo "client/node/node_modules is missing: run 'make node-deps' (it runs npm ci from the lockfile)"
  exit 1
fi
# The suite starts its own emulators; it sets CLOUD_TASKS_EMULATOR_HOST itself where it tests it.
unset CLOUD_TASKS_EMULATOR_HOST
cd "$here" && CLOUD_TASKS_EMULATOR_BIN="$EMULATOR" exec node --test --test-reporter=spec test/emulator.test.mjs
