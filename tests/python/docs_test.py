"""The docs a newcomer reads point at things that exist: every relative link of every Markdown
file in the repository (README.md, docs/, client/, fixtures/, ...) names a file or folder that is
there, every #anchor a heading of its target, and every `make TARGET` a target of the Makefile.
Standard library only."""

import os
import re
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SKIP_DIRS = {".git", "node_modules", "runs"}
LINK = re.compile(r"\]\(([^)\s]+)\)")
MAKE = re.compile(r"`make ([a-z][a-z0-9-]*)")


def markdown_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith("build")]
        for name in files:
            if name.endswith(".md"):
                yield os.path.join(folder, name)


def anchors(path):
    """GitHub's anchors of a Markdown file's headings: lower case, punctuation dropped, spaces
    to dashes."""
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^#+\s+(.*)$", line)
            if m:
                text = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
                out.add(text.replace(" ", "-"))
    return out


def make_targets():
    with open(os.path.join(ROOT, "Makefile")) as f:
        return {m.group(1) for m in re.finditer(r"^([a-z][a-z0-9-]*):", f.read(), re.M)}


class DocsTest(unittest.TestCase):
    def test_relative_links_and_anchors_resolve(self):
        broken, checked = [], 0
        for path in markdown_files():
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for target in LINK.findall(text):
                if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
                    continue
                file_part, _, anchor = target.partition("#")
                resolved = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) \
                    if file_part else path
                checked += 1
                where = f"{os.path.relpath(path, ROOT)}: ({target})"
                if not os.path.exists(resolved):
                    broken.append(where + " names nothing")
                elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
                    broken.append(where + " names no heading")
        self.assertGreater(checked, 50)
        self.assertEqual(broken, [])

    def test_make_targets_named_in_docs_exist(self):
        targets = make_targets()
        missing = []
        for path in markdown_files():
            with open(path, encoding="utf-8") as f:
                for name in MAKE.findall(f.read()):
                    if name not in targets:
                        missing.append(f"{os.path.relpath(path, ROOT)}: make {name}")
        self.assertIn("test", targets)
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
