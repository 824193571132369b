#!/usr/bin/env python3
"""Fetches one npm package pinned in a package-lock.json, without Node.js or npm.

    fetch_npm_package.py LOCKFILE NAME DEST

Downloads NAME at the version the lockfile pins, from the npm registry ($NPM_CONFIG_REGISTRY,
else https://registry.npmjs.org), checks it against the lockfile's `integrity` (SRI, sha512),
and unpacks the tarball's `package/` folder into DEST/NAME. Does nothing when DEST/NAME already
holds that version. The build uses it for the dashboard's chart library when ui/node_modules is
missing, so that `make build` and `make run` need no Node.js (docs/dashboard.md).
"""

import base64
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import urllib.request


def pinned(lockfile, name):
    with open(lockfile, encoding="utf-8") as f:
        entry = json.load(f)["packages"]["node_modules/" + name]
    return entry["version"], entry["integrity"]


def check_integrity(data, integrity):
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise ValueError("integrity check failed: {} != {}".format(digest, expected))


def unpack(data, target):
    staging = target + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = member.name.split("/", 1)
            if len(parts) < 2 or not (member.isfile() or member.isdir()) or ".." in parts[1]:
                continue
            member.name = parts[1]  # The registry's tarballs hold everything under package/.
            tar.extract(member, staging)
    shutil.rmtree(target, ignore_errors=True)
    os.rename(staging, target)


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    lockfile, name, dest = argv[1:]
    version, integrity = pinned(lockfile, name)
    target = os.path.join(dest, name)
    try:
        with open(os.path.join(target, "package.json"), encoding="utf-8") as f:
            if json.load(f).get("version") == version:
                return 0
    except (OSError, ValueError):
        pass
    registry = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")
    url = "{}/{}/-/{}-{}.tgz".format(registry, name, name.split("/")[-1], version)
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
        check_integrity(data, integrity)
    except (OSError, ValueError) as e:
        print("fetch_npm_package: {}@{} from {}: {}".format(name, version, url, e), file=sys.stderr)
        return 1
    os.makedirs(dest, exist_ok=True)
    unpack(data, target)
    print("fetch_npm_package: {}@{} into {}".format(name, version, target))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
