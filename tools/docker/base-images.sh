#!/usr/bin/env bash
# Makes the Dockerfile's base images, debian:12 and debian:12-slim, when the engine lacks them
# and no registry can be reached (docs/docker.md): `debootstrap --variant=minbase bookworm` from
# this machine's own Debian mirror, imported with `docker import`; the slim one without the
# documentation, manual pages, locales and apt's lists, as Docker Hub's is.
set -euo pipefail
have() { docker image inspect "$1" >/dev/null 2>&1; }
if have debian:12 && have debian:12-slim; then exit 0; fi
uris=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
  2>/dev/null | grep -oE 'https?://[^ ]+' | sed 's:/*$::' || true)
mirror=$(grep -m1 -E '/debian$' <<<"$uris" || echo http://deb.debian.org/debian)
security=$(grep -m1 -E '/debian-security$' <<<"$uris" || true)
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
echo "making debian:12 and debian:12-slim with debootstrap from $mirror"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
  { tail -20 "$rootfs.log" >&2; exit 1; }
rm -f "$rootfs.log"
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" \
  >"$rootfs/etc/apt/sources.list"
[ -z "$security" ] || echo "deb $security bookworm-security main" >>"$rootfs/etc/apt/sources.list"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
  "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | docker import - debian:12 >/dev/null
rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* \
  "$rootfs"/usr/share/info/* "$rootfs"/var/log/*
tar -C "$rootfs" -c . | docker import - debian:12-slim >/dev/null
docker image ls debian --format '{{.Repository}}:{{.Tag}} {{.Size}}'
