#!/usr/bin/env bash
# make docker-test (docs/docker.md): builds the image and tests it end to end on this machine.
# A Docker engine (a private dockerd if none answers), the base images (debootstrap if missing),
# the image; then, on free 127.0.0.1 ports: --version, the health check, the unprivileged user,
# gcloud (or the CLI) creating a queue, a task dispatched from the container to a worker on the
# host, a queue and a task that outlive the container on their volume, and flags and environment
# variables overriding the image's defaults; fixtures/docker-compose.yml's image service getting
# its job done through the emulator. Usage: docker_test.sh BUILD_DIR (the worker and the
# CLI on the host). SKIP_BUILD=1 tests $IMAGE as it is.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(realpath "${1:?usage: docker_test.sh BUILD_DIR}")
IMAGE=${IMAGE:-cloud-tasks-emulator:test}
NAME=cte-docker-test-$$
VOLUME=$NAME-data
source "$root/tests/realclient/lib.sh"
source "$root/tools/docker/daemon.sh"

compose() {
  EMULATOR_IMAGE=$IMAGE docker-compose -f "$root/fixtures/docker-compose.yml" -p "$NAME" "$@"
}
cleanup() {
  docker rm -f "$NAME" "$NAME-flags" >/dev/null 2>&1
  compose down -v >/dev/null 2>&1
  docker volume rm "$VOLUME" >/dev/null 2>&1
  [ -z "${WORKER_PID:-}" ] || kill "$WORKER_PID" 2>/dev/null
  stop_docker_daemon
}
trap cleanup EXIT
use_docker_daemon || exit 1
"$root/tools/docker/base-images.sh" || exit 1
python3 "$root/tools/fetch_npm_package.py" "$root/ui/package-lock.json" uplot "$root/ui/node_modules" ||
  exit 1
start=$(date +%s)
if [ -z "${SKIP_BUILD:-}" ]; then
  docker build -q -t "$IMAGE" "$root" >/dev/null || { echo "docker build failed"; exit 1; }
fi
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
echo "image $IMAGE built in $(($(date +%s) - start)) s: $((size / 1000000)) MB"
check "image size under 150 MB" "$((size < 150000000))" 1

# Waits until the container's health check says healthy (or 60 s); prints the last state.
wait_healthy() {
  local state=
  for _ in $(seq 1 300); do
    state=$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)
    [ "$state" != healthy ] || break
    sleep 0.2
  done
  echo "$state"
}
host_port() { docker port "$1" "$2/tcp" | grep -m1 -oE '127\.0\.0\.1:[0-9]+'; }
cli() { "$BUILD/bin/cloud-tasks" --endpoint "$ENDPOINT" --project api-ai-blog-writer \
  --location europe-west1 "$@"; }

check_match "--version" "$(docker run --rm "$IMAGE" --version)" '^cloud-tasks-emulator [0-9]+\.'

run_main() {
  docker run -d --name "$NAME" -p 127.0.0.1::8123 -v "$VOLUME:/data" \
    --add-host host.docker.internal:host-gateway "$IMAGE" >/dev/null
  check "healthy" "$(wait_healthy "$NAME")" healthy
  ENDPOINT=$(host_port "$NAME" 8123)
}
run_main
check "runs as the unprivileged user" "$(docker exec "$NAME" stat -c %u /proc/1)" 10001
check_match "listens on every address, database on the volume" "$(docker logs "$NAME" 2>&1)" \
  'listening on http://0\.0\.0\.0:8123, database /data/cloud-tasks-emulator\.db'

if command -v gcloud >/dev/null 2>&1; then
  out=$(CLOUDSDK_CONFIG=$(mktemp -d) CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDTASKS="http://$ENDPOINT/" \
    CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true CLOUDSDK_CORE_PROJECT=api-ai-blog-writer \
    CLOUDSDK_CORE_DISABLE_PROMPTS=1 CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true \
    gcloud tasks queues create image-generation-queue --location=europe-west1 \
    --max-dispatches-per-second=200 --max-concurrent-dispatches=1000 2>&1)
  check_match "gcloud queues create" "$out" 'Created queue \[europe-west1/image-generation-queue\]'
else
  echo "gcloud is not installed: the queue is created with the CLI"
  cli queues create image-generation-queue >/dev/null 2>&1
fi
check "queue listed" "$(cli queues list --format 'value(name)')" image-generation-queue

# A worker on the host, on the bridge's address: the container reaches it as host.docker.internal.
gateway=$(docker network inspect bridge -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}')
[ -n "$gateway" ] || gateway=$(ip -4 -o addr show docker0 | grep -oE '([0-9]+\.){3}[0-9]+' | head -1)
worker_out=$(mktemp)
"$BUILD/bin/cloud-tasks-worker" --host "$gateway" --port 0 >"$worker_out" &
WORKER_PID=$!
for _ in $(seq 1 100); do grep -q listening "$worker_out" && break; sleep 0.05; done
worker_port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$worker_out")
cli create-http-task --queue image-generation-queue --body-content '{"job_id":"docker"}' \
  --url "http://host.docker.internal:$worker_port/api/v1/images/worker" >/dev/null 2>&1
check "emulator wait" "$(cli emulator wait --queue image-generation-queue --timeout 30s 2>&1)" Idle.
check_match "the worker answered the task" \
  "$(curl -s "http://$gateway:$worker_port/_worker/stats")" '"processed": ?1[,}]'
check_match "attempt logged as succeeded" \
  "$(cli emulator attempts --queue image-generation-queue --format json)" '"httpStatus": 200'

# Data outlives the container: a queue and a task an hour out, a new container on the volume.
cli create-http-task later --queue image-generation-queue --url https://example.com/later \
  --schedule-time "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" >/dev/null 2>&1
docker stop "$NAME" >/dev/null && docker rm "$NAME" >/dev/null
run_main
check "queue after a restart" "$(cli queues list --format 'value(name)')" image-generation-queue
check "task after a restart" "$(cli list --queue image-generation-queue --format 'value(name)')" later

# A flag after the image name overrides its variable; environment variables set the rest.
docker run -d --name "$NAME-flags" -p 127.0.0.1::9000 -e CLOUD_TASKS_EMULATOR_PORT=9000 \
  -e CLOUD_TASKS_EMULATOR_CLOCK=manual "$IMAGE" --db :memory: \
  --config /etc/cloud-tasks-emulator/queues.json >/dev/null
check "healthy on the port of the environment" "$(wait_healthy "$NAME-flags")" healthy
ENDPOINT=$(host_port "$NAME-flags" 9000)
check_match "--db flag over the image's default" "$(docker logs "$NAME-flags" 2>&1)" \
  'listening on http://0\.0\.0\.0:9000, database :memory:'
check_match "clock from the environment" "$(cli emulator clock --format json)" '"mode": "manual"'
check "fixture queues with one flag" "$(cli queues list --format 'value(name)' | sort | tr '\n' ' ')" \
  "blog-generation-queue image-generation-queue "

# The compose file: the image service enqueues, the emulator pushes the task back to it.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export EMULATOR_PORT=$(free_port) SERVICE_PORT=$(free_port)
compose up -d --build --quiet-pull >/dev/null 2>&1 || compose up -d --build
service=http://127.0.0.1:$SERVICE_PORT/api/v1/images
for _ in $(seq 1 300); do curl -s -o /dev/null "$service/jobs/none" && break; sleep 0.2; done
job=$(curl -s -X POST "$service/generate-async" -H 'Content-Type: application/json' \
  -d '{"prompt":"a lighthouse","quality":"draft","aspect_ratio":"1:1"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["job_id"])')
status=
for _ in $(seq 1 150); do
  status=$(curl -s "$service/jobs/$job" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')
  [ "$status" != completed ] || break
  sleep 0.2
done
check "compose: the image service's job done through the emulator" "$status" completed
finish
