#!/usr/bin/env bash
# The dashboard's browser test (dashboard.test.mjs): Debian's chromium with playwright-core from
# tests/node/node_modules. Screenshots land in OUT_DIR (dashboard-*.png).
# Usage: dashboard_test.sh EMULATOR WORKER OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "tests/node/node_modules/playwright-core is missing: run 'make test' (it runs npm ci from the lockfile)"
  exit 1
fi
export CTE_EMULATOR_BIN=$(realpath "${1:?usage: dashboard_test.sh EMULATOR WORKER OUT_DIR}")
export CTE_WORKER_BIN=$(realpath "${2:?}")
export CTE_OUT_DIR=$(realpath -m "${3:?}")
mkdir -p "$CTE_OUT_DIR"
cd "$here" && node --test --test-reporter=spec --test-concurrency=1 dashboard.test.mjs
