#!/usr/bin/env bash
# Builds tests/realclient/go (the official Go client, cloud.google.com/go/cloudtasks/apiv2, over
# gRPC) from Debian's golang-* packages in GOPATH mode, offline, and runs it against a fresh
# emulator. The packages are in tools/apt-packages-test.txt (`make test` installs them).
# Usage: go_test.sh path/to/cloud-tasks-emulator [WORK_DIR]   (WORK_DIR: binary and Go cache)
set -euo pipefail
EMULATOR=$(realpath "${1:?usage: go_test.sh path/to/cloud-tasks-emulator [WORK_DIR]}")
here=$(cd "$(dirname "$0")" && pwd)
work=${2:-$(dirname "$EMULATOR")/../realclient-go}
mkdir -p "$work"
work=$(realpath "$work")

gopath=/usr/share/gocode  # where Debian's golang-*-dev packages put their sources
if ! command -v go >/dev/null 2>&1 ||
   [ ! -d "$gopath/src/cloud.google.com/go/cloudtasks/apiv2" ]; then
  echo "Go or Debian's golang-google-cloud-dev is missing: run 'make test-deps' (it installs"
  echo "tools/apt-packages-test.txt), or apt-get install golang-go golang-google-cloud-dev"
  exit 1
fi

# GOPATH mode against the Debian sources only: no modules, no proxy, no user settings.
export GO111MODULE=off GOPATH=$gopath GOFLAGS='' GOPROXY=off GOENV=off CGO_ENABLED=0
export GOCACHE=$work/gocache
(cd "$here/go" && go build -o "$work/go-real-client" .)

# shellcheck source=tests/realclient/lib.sh
source "$here/lib.sh"
start_emulator
"$work/go-real-client" "127.0.0.1:$EMU_PORT"
