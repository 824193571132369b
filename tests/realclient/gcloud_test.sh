#!/usr/bin/env bash
# Runs the gcloud commands of the setup notes against the emulator and compares what gcloud
# prints with what it prints against Google (captured wire behaviour; see tests/README.md).
set -uo pipefail
EMULATOR=$(realpath "${1:?usage: gcloud_test.sh path/to/cloud-tasks-emulator}")
if ! command -v gcloud >/dev/null 2>&1; then
  echo "SKIP: gcloud is not installed; the gcloud real-client test did not run"
  exit 77
fi
source "$(dirname "$0")/lib.sh"

# A local worker: HTTP tasks name it by URL; App Engine tasks reach it as the app's default
# service (--app-engine-url).
WORKER_OUT=$(mktemp)
"$(dirname "$EMULATOR")/cloud-tasks-worker" --port 0 >"$WORKER_OUT" &
WORKER_PID=$!
trap 'kill $WORKER_PID 2>/dev/null' EXIT
for _ in $(seq 1 100); do grep -q listening "$WORKER_OUT" && break; sleep 0.05; done
WORKER_ORIGIN=$(sed -n 's/^cloud-tasks-worker listening on //p' "$WORKER_OUT")
WORKER_URL="$WORKER_ORIGIN/api/v1/images/worker"
start_emulator --app-engine-url "$WORKER_ORIGIN"
trap 'kill $EMU_PID $WORKER_PID 2>/dev/null' EXIT

export CLOUDSDK_CONFIG=$(mktemp -d)
export CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDTASKS="$EMU_URL/"
export CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true
export CLOUDSDK_CORE_PROJECT=api-ai-blog-writer
export CLOUDSDK_CORE_DISABLE_PROMPTS=1
export CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true
export CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true
export CLOUDSDK_CORE_UNIVERSE_DOMAIN=googleapis.com
export CLOUDSDK_METRICS_ENVIRONMENT=cloud-tasks-emulator-test

Q=image-generation-queue
L=(--location=europe-west1)
QN=projects/api-ai-blog-writer/locations/europe-west1/queues/$Q
UNAUTH=" This command is unauthenticated because the [auth/disable_credentials] property is True."

run() {  # Runs gcloud; sets OUT, ERR, RC.
  local e; e=$(mktemp)
  OUT=$(gcloud "$@" 2>"$e"); RC=$?
  ERR=$(cat "$e"); rm -f "$e"
}

run tasks queues create $Q "${L[@]}" --max-dispatches-per-second=200 \
  --max-concurrent-dispatches=1000 --max-retry-duration=30m
check "create with 30m is rejected as on Google (durations must end in s)" "$RC" 1
check_match "create 30m message" "$ERR" "INVALID_ARGUMENT: Invalid value at 'queue.retry_config.max_retry_duration' \(type.googleapis.com/google.protobuf.Duration\)"

run tasks queues create $Q "${L[@]}" --max-dispatches-per-second=200 \
  --max-concurrent-dispatches=1000 --max-retry-duration=1800s
check "queues create rc" "$RC" 0
check "queues create stderr" "$ERR" "Created queue [europe-west1/$Q]."

run tasks queues create $Q "${L[@]}"
check "queues create again" "$ERR" "ERROR: (gcloud.tasks.queues.create) ALREADY_EXISTS: Queue already exists"

run tasks queues describe $Q "${L[@]}"
check "queues describe" "$OUT" "name: $QN
rateLimits:
  maxBurstSize: 100
  maxConcurrentDispatches: 1000
  maxDispatchesPerSecond: 200.0
retryConfig:
  maxAttempts: 100
  maxBackoff: 3600s
  maxDoublings: 16
  maxRetryDuration: 1800s
  minBackoff: 0.100s
state: RUNNING"

run tasks queues update $Q "${L[@]}" --max-attempts=5 --min-backoff=1s --max-doublings=4
check "queues update" "$ERR" "Updated queue [europe-west1/$Q]."
run tasks queues describe $Q "${L[@]}" --format='value(retryConfig.maxAttempts,retryConfig.minBackoff,retryConfig.maxDoublings,rateLimits.maxDispatchesPerSecond)'
check "queues update applied" "$OUT" "5	1s	4	200.0"

run tasks queues pause $Q "${L[@]}"
check "queues pause" "$ERR" "Paused queue [europe-west1/$Q]."
run tasks queues describe $Q "${L[@]}" --format='value(state)'
check "paused state" "$OUT" "PAUSED"
run tasks queues resume $Q "${L[@]}"
check "queues resume" "$ERR" "Resumed queue [europe-west1/$Q]."

run tasks queues list "${L[@]}"
check "queues list" "$OUT" "QUEUE_NAME              STATE    MAX_NUM_OF_TASKS  MAX_RATE (/sec)  MAX_ATTEMPTS
image-generation-queue  RUNNING  1000              200.0            5"

# The production worker URL of the setup notes. The queue stays paused while tasks exist, so
# nothing is dispatched (this test must not reach beyond 127.0.0.1).
URL=https://blog-writer-api-dev-kq42l26tuq-od.a.run.app/api/v1/images/worker
run tasks queues pause $Q "${L[@]}"
run tasks create-http-task my-task-1 --queue=$Q "${L[@]}" --url=$URL --method=POST \
  --body-content='{"prompt":"A beautiful sunset"}' --header=Content-Type:application/json \
  --oidc-service-account-email=worker@api-ai-blog-writer.iam.gserviceaccount.com
check "create-http-task named" "$ERR" "Created task [$QN/tasks/my-task-1]."
E=$(( $(date +%s) + 86400 ))
SCHEDULE_LOCAL=$(TZ=Etc/GMT-1 date -d @$E +%Y-%m-%dT%H:%M:%S.123+01:00)
SCHEDULE_UTC=$(date -u -d @$E +%Y-%m-%dT%H:%M:%S.123Z)
run tasks create-http-task --queue=$Q "${L[@]}" --url=$URL --schedule-time=$SCHEDULE_LOCAL
check_match "create-http-task generated name" "$ERR" "^Created task \[$QN/tasks/[0-9]+\]\.$"
run tasks create-http-task --queue=$Q "${L[@]}" --url=$URL --schedule-time=2099-01-01T00:00:00Z
check "create-http-task beyond 720h" "$ERR" "ERROR: (gcloud.tasks.create-http-task) INVALID_ARGUMENT: The Task.scheduleTime, 2098-12-31T16:00:00-08:00, is too far in the future. Schedule time must be no more than 720h in the future."
run tasks create-http-task my-task-1 --queue=$Q "${L[@]}" --url=$URL
check "create-http-task duplicate" "$ERR" "ERROR: (gcloud.tasks.create-http-task) ALREADY_EXISTS: Requested entity already exists"
check "create-http-task duplicate rc" "$RC" 1
run tasks create-http-task --queue=$Q "${L[@]}" --url=ftp://x
check "create-http-task bad url" "$ERR" "ERROR: (gcloud.tasks.create-http-task) INVALID_ARGUMENT: HttpTarget.url must start with 'http://' or 'https://'."

run tasks describe my-task-1 --queue=$Q "${L[@]}"
check_match "tasks describe" "$OUT" "^createTime: '[0-9-]+T[0-9:]+Z'
dispatchDeadline: 600s
httpRequest:
  headers:
    Content-Type: application/json
    User-Agent: Google-Cloud-Tasks
  httpMethod: POST
  oidcToken:
    serviceAccountEmail: worker@api-ai-blog-writer.iam.gserviceaccount.com
  url: $URL
name: $QN/tasks/my-task-1
scheduleTime: '[0-9-]+T[0-9:.]+Z'
view: BASIC$"
run tasks describe my-task-1 --queue=$Q "${L[@]}" --response-view=full --format='value(httpRequest.body)'
check "tasks describe full body" "$OUT" "eyJwcm9tcHQiOiJBIGJlYXV0aWZ1bCBzdW5zZXQifQ=="

run tasks list --queue=$Q "${L[@]}"
check_match "tasks list" "$OUT" "^TASK_NAME +TYPE +CREATE_TIME +SCHEDULE_TIME +DISPATCH_ATTEMPTS +RESPONSE_ATTEMPTS +LAST_ATTEMPT_STATUS
my-task-1 +http +[0-9-]+T[0-9:]+Z +[0-9-]+T[0-9:.]+Z +0 +0 +Unknown
[0-9]+ +http +[0-9-]+T[0-9:]+Z +$SCHEDULE_UTC +0 +0 +Unknown$"

# tasks run: dispatches now, past the pause, to a local worker.
run tasks create-http-task run-me --queue=$Q "${L[@]}" --url="$WORKER_URL"
run tasks run run-me --queue=$Q "${L[@]}"
check "tasks run rc" "$RC" 0
check_match "tasks run output" "$OUT" "dispatchCount: 1
dispatchDeadline: 600s
firstAttempt:
  dispatchTime: '[0-9-]+T[0-9:.]+Z'"
check_match "tasks run output has no response yet" "$OUT" "lastAttempt:
  dispatchTime: '[0-9-]+T[0-9:.]+Z'
  scheduleTime: '[0-9-]+T[0-9:.]+Z'
name: "
for _ in $(seq 1 100); do
  [ "$(curl -s "${WORKER_URL%/api/v1/images/worker}/_worker/requests" | grep -c run-me)" -gt 0 ] && break
  sleep 0.05
done
check_match "the worker got the run task" "$(curl -s "${WORKER_URL%/api/v1/images/worker}/_worker/requests")" "run-me"

run tasks delete my-task-1 --queue=$Q "${L[@]}"
check "tasks delete" "$ERR" "Deleted task [my-task-1]."
run tasks describe my-task-1 --queue=$Q "${L[@]}"
check "tasks describe deleted" "$ERR" "ERROR: (gcloud.tasks.describe) NOT_FOUND: The task no longer exists, though a task with this name existed recently. The task either successfully completed or was deleted.$UNAUTH"
run tasks delete my-task-1 --queue=$Q "${L[@]}"
check "tasks delete again" "$ERR" "ERROR: (gcloud.tasks.delete) NOT_FOUND: Requested entity was not found.$UNAUTH"

run tasks queues purge $Q "${L[@]}" --quiet
check "queues purge" "$ERR" "Purged queue [europe-west1/$Q]."
run tasks list --queue=$Q "${L[@]}"
check "tasks list after purge" "$ERR" "Listed 0 items."

run tasks queues delete $Q "${L[@]}" --quiet
check "queues delete" "$ERR" "Deleted queue [europe-west1/$Q]."
run tasks queues describe $Q "${L[@]}"
check "queues describe deleted" "$ERR" "ERROR: (gcloud.tasks.queues.describe) NOT_FOUND: Queue does not exist. If you just created the queue, wait at least a minute for the queue to initialize.$UNAUTH"
check "queues describe deleted rc" "$RC" 1
run tasks create-http-task --queue=$Q "${L[@]}" --url=$URL
check_match "create-http-task on a deleted queue" "$ERR" "NOT_FOUND: Queue does not exist"

# Queue-level HTTP target (spec 4.8): the override flags, shown by describe.
HQ=http-target-queue
WORKER_PORT=${WORKER_ORIGIN##*:}
run tasks queues create $HQ "${L[@]}" --http-uri-override=scheme:http,host:127.0.0.1,port:$WORKER_PORT,path:/buffered,query:via=queue,mode:always \
  --http-method-override=PUT --http-header-override=X-Team:blue \
  --http-oidc-service-account-email-override=queue@api-ai-blog-writer.iam.gserviceaccount.com \
  --http-oidc-token-audience-override=https://queue-audience
check "queues create with http overrides" "$ERR" "Created queue [europe-west1/$HQ]."
run tasks queues describe $HQ "${L[@]}" --format='yaml(httpTarget)'
check "queues describe shows httpTarget" "$OUT" "httpTarget:
  headerOverrides:
  - header:
      key: X-Team
      value: blue
  httpMethod: PUT
  oidcToken:
    audience: https://queue-audience
    serviceAccountEmail: queue@api-ai-blog-writer.iam.gserviceaccount.com
  uriOverride:
    host: 127.0.0.1
    pathOverride:
      path: /buffered
    port: '$WORKER_PORT'
    queryOverride:
      queryParams: via=queue
    scheme: HTTP
    uriOverrideEnforceMode: ALWAYS"
run tasks queues update $HQ "${L[@]}" --http-method-override=POST --clear-http-header-override
check "queues update http overrides" "$ERR" "Updated queue [europe-west1/$HQ]."
run tasks queues describe $HQ "${L[@]}" --format='value(httpTarget.httpMethod,httpTarget.headerOverrides,httpTarget.uriOverride.host)'
check "queues update applied to httpTarget" "$OUT" "POST		127.0.0.1"
run tasks queues update $HQ "${L[@]}" --http-uri-override=host:
check_match "an empty override host is refused" "$ERR" "INVALID_ARGUMENT: HttpTarget.uriOverride.host must not be empty."
run tasks queues update $HQ "${L[@]}" --http-uri-override='host:a b/c'
check_match "an override host with a space and a path is refused" "$ERR" "INVALID_ARGUMENT: HttpTarget.uriOverride.host must be a host name, an IPv4 address or an IPv6 address in brackets, without scheme, port, path or user info, not \"a b/c\"."
# gcloud sends a header override given with no other override flag as the mask alone, without the
# header: the queue's header overrides are removed (docs/api.md).
run tasks queues update $HQ "${L[@]}" --http-method-override=POST --http-header-override=X-Team:green
run tasks queues describe $HQ "${L[@]}" --format='value(httpTarget.headerOverrides[0].header.value)'
check "a header override with another override flag is set" "$OUT" "green"
run tasks queues update $HQ "${L[@]}" --http-header-override=X-Alone:1
run tasks queues describe $HQ "${L[@]}" --format='value(httpTarget.headerOverrides)'
check "a header override given alone removes the queue's" "$OUT" ""

# BufferTask: the task goes where the queue's httpTarget says, here the local worker.
run tasks queues create plain-queue "${L[@]}"
run tasks buffer --queue=plain-queue "${L[@]}"
check_match "buffer on a queue without httpTarget" "$ERR" "^ERROR: \(gcloud.tasks.buffer\) FAILED_PRECONDITION: BufferTask requires a queue with an HTTP target"
run tasks buffer --queue=$HQ "${L[@]}" --task-id=buffered-1
check "tasks buffer" "$ERR" "Buffered task in queue [europe-west1/$HQ]."
for _ in $(seq 1 100); do
  [ "$(curl -s "$WORKER_ORIGIN/_worker/requests" | grep -c buffered-1)" -gt 0 ] && break
  sleep 0.05
done
check_match "the worker got the buffered task at the override's path" \
  "$(curl -s "$WORKER_ORIGIN/_worker/requests")" '"path":"/buffered\?via=queue"'
run tasks buffer --queue=$HQ "${L[@]}"
check "tasks buffer with a generated ID" "$ERR" "Buffered task in queue [europe-west1/$HQ]."

# CMEK config: stored and returned per location; europe-west4 has no queue-level token.
KEY=projects/kms-project/locations/europe-west4/keyRings/ring/cryptoKeys/key
run tasks cmek-config describe --location=europe-west4
check "cmek-config describe unset" "$OUT" "name: projects/api-ai-blog-writer/locations/europe-west4/cmekConfig"
run tasks cmek-config update --location=europe-west4 --kms-key-name=$KEY
check "cmek-config update rc" "$RC" 0
run tasks cmek-config describe --location=europe-west4
check "cmek-config describe set" "$OUT" "kmsKey: $KEY
name: projects/api-ai-blog-writer/locations/europe-west4/cmekConfig"
run tasks cmek-config update "${L[@]}" --kms-key-name=projects/k/locations/europe-west1/keyRings/r/cryptoKeys/c
check_match "CMEK refused where a queue has queue-level auth" "$ERR" "FAILED_PRECONDITION: Queue-level authentication"
run tasks cmek-config update --location=europe-west4 --clear-kms-key
run tasks cmek-config describe --location=europe-west4
check "cmek-config cleared" "$OUT" "name: projects/api-ai-blog-writer/locations/europe-west4/cmekConfig"

# App Engine tasks (spec 6.5) go to --app-engine-url, with App Engine's headers; the queue's
# routing override shows its derived host.
AQ=app-engine-queue
run tasks queues create $AQ "${L[@]}" --routing-override=service:worker
run tasks queues describe $AQ "${L[@]}"
check_match "routing override with its derived host" "$OUT" "appEngineRoutingOverride:
  host: worker.api-ai-blog-writer.appspot.com
  service: worker"
run tasks create-app-engine-task ae-1 --queue=$AQ "${L[@]}" --relative-uri=/ae/run?x=1 \
  --body-content='{"a":1}' --header=X-Mine:1
check "create-app-engine-task rc" "$RC" 0
for _ in $(seq 1 100); do
  [ "$(curl -s "$WORKER_ORIGIN/_worker/requests" | grep -c ae-1)" -gt 0 ] && break
  sleep 0.05
done
AE=$(curl -s "$WORKER_ORIGIN/_worker/requests" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["requests"]:
    h = dict(r["headers"])
    if h.get("X-AppEngine-TaskName") == "ae-1":
        print(r["method"], r["path"], h["X-AppEngine-QueueName"], h["X-AppEngine-TaskRetryCount"],
              h["User-Agent"], h["X-Mine"])')
check "the App Engine task reached the local worker" "$AE" \
  "POST /ae/run?x=1 $AQ 0 AppEngine-Google; (+http://code.google.com/appengine) 1"

finish
