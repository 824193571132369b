#!/usr/bin/env bash
# Installs the Debian packages of tools/apt-packages.txt (and of any further list files given as
# arguments, e.g. tools/apt-packages-bench.txt) that are missing (root, or sudo). With --node
# first, also Node.js and npm when no `node` (or `npm`) is on the PATH: the tests need them, the
# build does not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
node=false
if [ "${1:-}" = "--node" ]; then
  node=true
  shift
fi
mapfile -t wanted < <(cat "$here/apt-packages.txt" "$@" | grep -v '^#' | sed '/^$/d')
if $node; then
  command -v node >/dev/null 2>&1 || wanted+=(nodejs)
  command -v npm >/dev/null 2>&1 || wanted+=(npm)
fi
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
