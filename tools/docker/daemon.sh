# Sourced: a Docker engine for `make docker` and `make docker-test` (docs/docker.md).
# use_docker_daemon: when `docker info` answers (a running engine, or DOCKER_HOST), uses it;
# otherwise starts a private dockerd (root) with its own socket, data and exec roots, and stops
# it when the calling shell exits. Its storage driver: DOCKER_STORAGE_DRIVER, else overlay2 (fast,
# copies nothing), else vfs (a full copy per layer, but works on any file system).
CTE_DOCKERD_ROOT=${CTE_DOCKERD_ROOT:-/var/lib/cte-docker}
CTE_DOCKERD_RUN=${CTE_DOCKERD_RUN:-/run/cte-docker}

stop_docker_daemon() {
  [ -n "${CTE_DOCKERD_PID:-}" ] || return 0
  kill "$CTE_DOCKERD_PID" 2>/dev/null
  for _ in $(seq 1 200); do kill -0 "$CTE_DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$CTE_DOCKERD_PID" 2>/dev/null
  CTE_DOCKERD_PID=
}

# start_docker_daemon DRIVER: starts dockerd with that storage driver; 0 once it answers.
start_docker_daemon() {
  dockerd --storage-driver="$1" --data-root "$CTE_DOCKERD_ROOT" \
    --exec-root "$CTE_DOCKERD_RUN/exec" --pidfile "$CTE_DOCKERD_RUN/dockerd.pid" \
    --host "$DOCKER_HOST" >"$CTE_DOCKERD_RUN/dockerd.log" 2>&1 &
  CTE_DOCKERD_PID=$!
  for _ in $(seq 1 300); do
    if docker info >/dev/null 2>&1; then
      echo "started a private dockerd ($DOCKER_HOST, storage driver $1)"
      return 0
    fi
    kill -0 "$CTE_DOCKERD_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "dockerd with storage driver $1 did not start:" >&2
  tail -5 "$CTE_DOCKERD_RUN/dockerd.log" >&2
  stop_docker_daemon
  return 1
}

use_docker_daemon() {
  if docker info >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "no Docker engine answers, and starting one needs root" >&2
    return 1
  fi
  mkdir -p "$CTE_DOCKERD_ROOT" "$CTE_DOCKERD_RUN"
  export DOCKER_HOST="unix://$CTE_DOCKERD_RUN/docker.sock"
  if [ -n "${DOCKER_STORAGE_DRIVER:-}" ]; then
    start_docker_daemon "$DOCKER_STORAGE_DRIVER"
  else
    start_docker_daemon overlay2 || start_docker_daemon vfs
  fi
}
