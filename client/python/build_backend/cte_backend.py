"""PEP 517 backend: setuptools, with a stdlib fallback for machines without ``wheel``.

setuptools < 70.1 needs the separate ``wheel`` package to build wheels
(``bdist_wheel``). With ``pip install --no-build-isolation`` and no network, a
Python that has setuptools but not ``wheel`` (e.g. a pyenv build) cannot
install the shim at all. This backend delegates every hook to
``setuptools.build_meta`` when a ``bdist_wheel`` command is available, and
otherwise writes the (pure Python, ``py3-none-any``) wheel itself from
``pyproject.toml``'s ``[project]`` table.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import zipfile

from setuptools import build_meta as _st

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "cloud_tasks_emulator"

# Hooks that never need bdist_wheel.
get_requires_for_build_sdist = _st.get_requires_for_build_sdist
build_sdist = _st.build_sdist


def _have_bdist_wheel() -> bool:
    try:
        import setuptools.command.bdist_wheel  # noqa: F401  (setuptools >= 70.1)
        return True
    except ImportError:
        pass
    try:
        import wheel.bdist_wheel  # noqa: F401
        return True
    except ImportError:
        return False


# -- metadata from pyproject.toml ---------------------------------------------


def _project() -> dict:
    path = os.path.join(ROOT, "pyproject.toml")
    try:
        import tomllib  # Python 3.11+

        with open(path, "rb") as f:
            return tomllib.load(f)["project"]
    except ImportError:
        text = open(path, encoding="utf-8").read()
        section = text.split("[project]", 1)[1].split("\n[", 1)[0]
        out = {}
        for key in ("name", "version", "description", "requires-python"):
            m = re.search(r'^%s\s*=\s*"([^"]*)"' % re.escape(key), section, re.M)
            if m:
                out[key] = m.group(1)
        m = re.search(r'^official\s*=\s*\[\s*"([^"]*)"', text, re.M)
        if m:
            out["optional-dependencies"] = {"official": [m.group(1)]}
        return out


def _metadata(project: dict) -> str:
    lines = [
        "Metadata-Version: 2.1",
        "Name: " + project["name"],
        "Version: " + project["version"],
        "Summary: " + project.get("description", ""),
    ]
    if project.get("requires-python"):
        lines.append("Requires-Python: " + project["requires-python"])
    for extra, reqs in (project.get("optional-dependencies") or {}).items():
        lines.append("Provides-Extra: " + extra)
        lines.extend('Requires-Dist: {}; extra == "{}"'.format(r, extra) for r in reqs)
    readme = os.path.join(ROOT, "README.md")
    body = ""
    if os.path.exists(readme):
        lines.append("Description-Content-Type: text/markdown")
        body = open(readme, encoding="utf-8").read()
    return "\n".join(lines) + "\n\n" + body


def _dist_info_files(project: dict) -> dict:
    return {
        "METADATA": _metadata(project).encode("utf-8"),
        "WHEEL": b"Wheel-Version: 1.0\nGenerator: cte_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "top_level.txt": (PACKAGE + "\n").encode("utf-8"),
    }


def _dist_name(project: dict) -> str:
    return re.sub(r"[-_.]+", "_", project["name"]).lower() + "-" + project["version"]


def _write_wheel(wheel_directory: str, editable: bool) -> str:
    project = _project()
    stem = _dist_name(project)
    files = []
    if editable:
        files.append(("__editable__.{}.pth".format(stem.split("-")[0]), (ROOT + "\n").encode("utf-8")))
    else:
        pkg_dir = os.path.join(ROOT, PACKAGE)
        for dirpath, dirnames, filenames in os.walk(pkg_dir):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for fn in sorted(filenames):
                if fn.endswith((".py", ".typed")):
                    full = os.path.join(dirpath, fn)
                    arc = os.path.relpath(full, ROOT).replace(os.sep, "/")
                    with open(full, "rb") as f:
                        files.append((arc, f.read()))
    dist_info = stem + ".dist-info"
    files.extend((dist_info + "/" + name, data) for name, data in _dist_info_files(project).items())

    record = io.StringIO()
    for arc, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
        record.write("{},sha256={},{}\n".format(arc, digest, len(data)))
    record.write(dist_info + "/RECORD,,\n")
    files.append((dist_info + "/RECORD", record.getvalue().encode("utf-8")))

    name = stem + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as zf:
        for arc, data in files:
            zf.writestr(zipfile.ZipInfo(arc, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return name


def _write_metadata_dir(metadata_directory: str) -> str:
    project = _project()
    dist_info = _dist_name(project) + ".dist-info"
    os.makedirs(os.path.join(metadata_directory, dist_info), exist_ok=True)
    for name, data in _dist_info_files(project).items():
        with open(os.path.join(metadata_directory, dist_info, name), "wb") as f:
            f.write(data)
    return dist_info


# -- PEP 517 / 660 hooks --------------------------------------------------------


def get_requires_for_build_wheel(config_settings=None):
    return _st.get_requires_for_build_wheel(config_settings) if _have_bdist_wheel() else []


def get_requires_for_build_editable(config_settings=None):
    return _st.get_requires_for_build_editable(config_settings) if _have_bdist_wheel() else []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    if _have_bdist_wheel():
        return _st.prepare_metadata_for_build_wheel(metadata_directory, config_settings)
    return _write_metadata_dir(metadata_directory)


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    if _have_bdist_wheel():
        return _st.prepare_metadata_for_build_editable(metadata_directory, config_settings)
    return _write_metadata_dir(metadata_directory)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if _have_bdist_wheel():
        return _st.build_wheel(wheel_directory, config_settings, metadata_directory)
    return _write_wheel(wheel_directory, editable=False)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    if _have_bdist_wheel():
        return _st.build_editable(wheel_directory, config_settings, metadata_directory)
    return _write_wheel(wheel_directory, editable=True)
