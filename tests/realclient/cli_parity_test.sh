#!/usr/bin/env bash
# The cloud-tasks CLI as a gcloud stand-in: the same commands, flags (--filter, --sort-by,
# --limit, --page-size, --format value(...)/yaml/json) and outputs as `gcloud tasks`, both run
# against one emulator and compared byte for byte (stdout, and stderr less gcloud's own notes).
set -uo pipefail
EMULATOR=$(realpath "${1:?usage: cli_parity_test.sh path/to/cloud-tasks-emulator path/to/cloud-tasks}")
CLI=$(realpath "${2:?usage: cli_parity_test.sh path/to/cloud-tasks-emulator path/to/cloud-tasks}")
if ! command -v gcloud >/dev/null 2>&1; then
  echo "SKIP: gcloud is not installed; the CLI parity test did not run"
  exit 77
fi
source "$(dirname "$0")/lib.sh"
start_emulator

export CLOUDSDK_CONFIG=$(mktemp -d)
export CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDTASKS="$EMU_URL/"
export CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true
export CLOUDSDK_CORE_PROJECT=parity-project
export CLOUDSDK_CORE_DISABLE_PROMPTS=1
export CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true
export CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true
export CLOUDSDK_CORE_UNIVERSE_DOMAIN=googleapis.com
export CLOUD_TASKS_EMULATOR_HOST="${EMU_URL#http://}"
L=(--location=europe-west1)
UNAUTH=" This command is unauthenticated because the [auth/disable_credentials] property is True."

# Runs `gcloud tasks ARGS` and `cloud-tasks ARGS`; sets G_OUT G_ERR G_RC and C_OUT C_ERR C_RC.
both() {
  local e; e=$(mktemp)
  G_OUT=$(gcloud tasks "$@" 2>"$e"); G_RC=$?
  G_ERR=$(sed -e "s/(gcloud\.tasks/(cloud-tasks/" "$e")
  G_ERR=${G_ERR//"$UNAUTH"/}
  C_OUT=$("$CLI" "$@" 2>"$e"); C_RC=$?
  C_ERR=$(cat "$e"); rm -f "$e"
}

same() {  # same ARGS...: stdout, stderr and exit code alike.
  both "$@"
  check "stdout of: $*" "$C_OUT" "$G_OUT"
  check "stderr of: $*" "$C_ERR" "$G_ERR"
  check "exit code of: $*" "$C_RC" "$G_RC"
}

# The setup, made with gcloud.
gcloud tasks queues create alpha "${L[@]}" --max-dispatches-per-second=34 >/dev/null 2>&1
gcloud tasks queues create beta "${L[@]}" --max-dispatches-per-second=12 \
  --http-uri-override=host:localhost,port:9 >/dev/null 2>&1
gcloud tasks queues create gamma "${L[@]}" --max-dispatches-per-second=46 \
  --max-concurrent-dispatches=7 >/dev/null 2>&1
gcloud tasks queues pause gamma "${L[@]}" >/dev/null 2>&1
LATER=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
for t in t1 t2 t3; do
  gcloud tasks create-http-task $t --queue=alpha "${L[@]}" --url=http://127.0.0.1:9/x \
    --schedule-time="$LATER" >/dev/null 2>&1
done
gcloud tasks create-app-engine-task ae0 --queue=gamma "${L[@]}" --relative-uri=/w \
  --routing=service:api,version:v2 >/dev/null 2>&1

same locations list
same locations list --format="value(name)" --limit=3
same locations list --page-size=5 --format="value(locationId)"
same locations describe europe-west1
same queues list "${L[@]}"
same queues list "${L[@]}" --format=json
same queues list "${L[@]}" --format=yaml
same queues list "${L[@]}" --page-size=1
same queues list "${L[@]}" --format="value(name,state,rateLimits.maxDispatchesPerSecond)" --sort-by=~name
same queues list "${L[@]}" --format="value(name)" --filter="name:alpha OR name:gamma"
same queues list "${L[@]}" --format="value(name)" --filter="NOT name:gamma"
same queues list "${L[@]}" --format="value(name)" --filter="-name:beta"
same queues list "${L[@]}" --filter="state=PAUSED"
same queues list "${L[@]}" --format="value(name)" --filter="state!=paused"
same queues list "${L[@]}" --format="value(name)" --filter="name~^.*a$"
same queues list "${L[@]}" --format="value(name.basename(),rateLimits.maxBurstSize)" \
  --filter="rateLimits.maxBurstSize<=20 OR state:PAUSED"
same queues list "${L[@]}" --format="value(name)" --filter="rateLimits.maxDispatchesPerSecond>20 AND (state=RUNNING OR rateLimits.maxConcurrentDispatches=7)"
same queues list "${L[@]}" --format="value(name)" --sort-by="state,~rateLimits.maxDispatchesPerSecond"
same queues list "${L[@]}" --filter="state=DISABLED"
same queues describe alpha "${L[@]}"
same queues describe beta "${L[@]}" --format=json
same queues describe alpha "${L[@]}" --format="value(name,rateLimits.maxBurstSize)"
same queues describe nope "${L[@]}"
same queues get-iam-policy alpha "${L[@]}"
same list --queue=alpha "${L[@]}"
same list --queue=alpha "${L[@]}" --format=yaml
same list --queue=alpha "${L[@]}" --format="value(name,scheduleTime)" --sort-by=~name
same list --queue=gamma "${L[@]}"
same describe t2 --queue=alpha "${L[@]}"
same describe ae0 --queue=gamma "${L[@]}" --format=json
same describe nope --queue=alpha "${L[@]}"

# Commands that change something: each tool acts on its own queue or task, and the outputs are
# compared with the names swapped (and IAM etags, which differ by content, masked).
mask() { sed -e "s/$1/NAME/g" -e 's/etag: .*/etag: ETAG/'; }
gcloud tasks queues add-iam-policy-binding beta "${L[@]}" --member=user:a@example.com \
  --role=roles/cloudtasks.enqueuer >/tmp/cli_parity_g.$$ 2>/tmp/cli_parity_ge.$$
"$CLI" queues add-iam-policy-binding gamma "${L[@]}" --member=user:a@example.com \
  --role=roles/cloudtasks.enqueuer >/tmp/cli_parity.$$ 2>/tmp/cli_parity_e.$$
check "add-iam-policy-binding" "$(mask gamma </tmp/cli_parity.$$)" "$(mask beta </tmp/cli_parity_g.$$)"
check "add-iam-policy-binding: stderr" "$(mask gamma </tmp/cli_parity_e.$$)" \
  "$(mask beta </tmp/cli_parity_ge.$$)"
same queues remove-iam-policy-binding alpha "${L[@]}" --member=user:nobody@example.com \
  --role=roles/cloudtasks.viewer

gcloud tasks create-app-engine-task ae1 --queue=alpha "${L[@]}" --relative-uri=/r?a=1 \
  --routing=service:s,instance:i --method=PUT --header="X-A: 1" --body-content=hello \
  --schedule-time="$LATER" >/dev/null 2>/tmp/cli_parity_g.$$
"$CLI" create-app-engine-task ae2 --queue=alpha "${L[@]}" --relative-uri=/r?a=1 \
  --routing=service:s,instance:i --method=PUT --header="X-A: 1" --body-content=hello \
  --schedule-time="$LATER" >/dev/null 2>/tmp/cli_parity.$$
check "create-app-engine-task" "$(mask ae2 </tmp/cli_parity.$$)" \
  "$(mask ae1 </tmp/cli_parity_g.$$)"
task_view() { "$CLI" describe "$1" --queue=alpha "${L[@]}" --format=json |
  sed -e "s/$1/NAME/" -e '/"createTime"/d' -e '/"scheduleTime"/d'; }
check "create-app-engine-task: the same task" "$(task_view ae2)" "$(task_view ae1)"

gcloud tasks buffer --queue=beta "${L[@]}" --task-id=b1 >/dev/null 2>/tmp/cli_parity_g.$$
"$CLI" buffer --queue=beta "${L[@]}" --task-id=b2 >/dev/null 2>/tmp/cli_parity.$$
check "buffer" "$(cat /tmp/cli_parity.$$)" "$(cat /tmp/cli_parity_g.$$)"
same buffer --queue=alpha "${L[@]}"
rm -f /tmp/cli_parity*.$$
finish
