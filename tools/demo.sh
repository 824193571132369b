#!/usr/bin/env bash
# The image-generation flow offline: the emulator with the fixture queues, the fixture service,
# and one request end to end. Everything listens on 127.0.0.1 and stops when the script ends.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
cleanup() { kill "${emu_pid:-}" "${svc_pid:-}" 2>/dev/null || true; }
trap cleanup EXIT

"$root/build/bin/cloud-tasks-emulator" --port 0 --db :memory: --log-level warn \
  --config "$root/fixtures/queues.json" >"$tmp/emu.out" &
emu_pid=$!
until grep -q listening "$tmp/emu.out" 2>/dev/null; do sleep 0.05; done
emulator=$(sed -n 's/^cloud-tasks-emulator listening on //p' "$tmp/emu.out")
echo "emulator:  $emulator"

CLOUD_TASKS_EMULATOR_HOST=$emulator GOOGLE_CLOUD_PROJECT=api-ai-blog-writer \
CLOUD_TASKS_QUEUE_LOCATION=europe-west1 CLOUD_TASKS_IMAGE_QUEUE_NAME=image-generation-queue \
  python3 "$root/fixtures/image_service/service.py" --port 0 --output "$tmp/images" >"$tmp/svc.out" &
svc_pid=$!
until grep -q listening "$tmp/svc.out" 2>/dev/null; do sleep 0.05; done
service=$(sed -n 's/^image-service listening on //p' "$tmp/svc.out")
echo "service:   $service"

echo "POST /api/v1/images/generate-async"
queued=$(curl -s -X POST "$service/api/v1/images/generate-async" -H 'Content-Type: application/json' \
  -d '{"prompt":"A beautiful sunset","quality":"draft","aspect_ratio":"16:9"}')
echo "  $queued"
job_id=$(echo "$queued" | sed -E 's/.*"job_id": "([^"]+)".*/\1/')
curl -s -X POST "$emulator/emulator/v1:waitIdle" -d '{"includeScheduled":true,"timeout":"20s"}' >/dev/null
echo "GET /api/v1/images/jobs/$job_id"
echo "  $(curl -s "$service/api/v1/images/jobs/$job_id")"
echo "attempts:"
curl -s "$emulator/emulator/v1/attempts" | python3 -c '
import json, sys
for a in json.load(sys.stdin)["attempts"]:
    print("  #%d %s %s -> %s %s" % (a["attempt"], a["method"], a["url"], a["outcome"], a.get("httpStatus", "")))'
