#!/usr/bin/env bash
# Writes two synthetic runs (tests/python/synthetic_run.py: image-burst at cap 1000 and cap 300),
# the report of the first and the comparison of both (emulator/experiment/report.py), then opens
# both reports in headless Chromium (report_render.test.mjs). The screenshots land in OUT_DIR:
# report-screenshot.png and report-compare-screenshot.png.
# Usage: report_test.sh OUT_DIR   (CTE_REPORT_PYTHON: an interpreter with matplotlib)
set -euo pipefail
out=$(realpath -m "${1:?usage: report_test.sh OUT_DIR}")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${CTE_REPORT_PYTHON:-/usr/bin/python3}
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "tests/node/node_modules/playwright-core is missing: run 'make test' (it runs npm ci from the lockfile)"
  exit 1
fi
runs="$out/report-runs"
rm -rf "$runs"
mkdir -p "$runs"
"$python" "$root/tests/python/synthetic_run.py" "$runs"
"$python" "$root/emulator/experiment/report.py" "$runs/image-burst" >/dev/null
"$python" "$root/emulator/experiment/report.py" --compare "$runs/image-burst" \
  "$runs/image-burst-cap300" --out "$runs/cap1000-vs-cap300" >/dev/null
export CTE_REPORTS="[{\"html\": \"$runs/image-burst/report.html\", \"screenshot\": \"$out/report-screenshot.png\"},
  {\"html\": \"$runs/cap1000-vs-cap300/report.html\", \"screenshot\": \"$out/report-compare-screenshot.png\"}]"
cd "$here" && node --test --test-reporter=spec report_render.test.mjs
