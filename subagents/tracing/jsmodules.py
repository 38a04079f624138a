"""Which file a JavaScript/TypeScript import specifier names: relative paths, and the
repository's own packages by name.

Node and TypeScript's ``node16``/``nodenext``/``bundler`` resolution find ``pkg/sub``
through the ``package.json`` whose ``name`` is ``pkg`` when that package is in the tree
(a workspace of a monorepo, or a package importing itself): its ``exports`` map, else its
folder. An export's conditions are tried in order and the first target that is a file of
the tree wins, so a source condition (``"@pkg/source": "./src/index.ts"``) is found
before a build output that is not committed. Packages not in the tree are external.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any

JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
PACKAGE_FILE = "package.json"
# What a build output's extension is written from: ``./index.js`` is ``./index.ts`` in
# the sources.
_OUTPUT_EXTS = (".d.ts", ".d.mts", ".d.cts", ".js", ".mjs", ".cjs", ".jsx")
_ENTRY_FIELDS = ("source", "module", "main", "types", "typings")


class Packages:
    """The tree's ``package.json`` files: package name -> (folder, manifest)."""

    def __init__(self, manifests: dict[str, bytes], files: dict[str, str]) -> None:
        self.files = files  # path -> language family
        self.unreadable: list[str] = []
        self.by_name: dict[str, tuple[str, dict[str, Any]]] = {}
        for path, data in sorted(manifests.items(), key=lambda i: (i[0].count("/"), i[0])):
            try:
                manifest = json.loads(data)
            except (ValueError, UnicodeDecodeError):
                self.unreadable.append(path)
                continue
            name = manifest.get("name") if isinstance(manifest, dict) else None
            if isinstance(name, str) and name:
                self.by_name.setdefault(name, (posixpath.dirname(path), manifest))

    def module(self, importer: str, spec: str) -> str | None:
        """The file ``spec`` names as ``importer`` imports it, or None (outside the tree)."""
        if spec.startswith("."):
            base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
            return self.file_at(base)
        return self.package_module(spec)

    def file_at(self, base: str) -> str | None:
        """The JS/TS file at ``base`` as a specifier names it: exactly, with an extension
        added or a build output's swapped for a source's, or a folder's ``index``."""
        stem = base
        for ext in _OUTPUT_EXTS:
            if base.endswith(ext):
                stem = base.removesuffix(ext)
                break
        for candidate in (
            base,
            *(stem + e for e in JS_EXTS),
            *(f"{base}/index{e}" for e in JS_EXTS),
        ):
            if self.files.get(candidate) == "js":
                return candidate
        return None

    def package_module(self, spec: str) -> str | None:
        parts = spec.split("/")
        size = 2 if spec.startswith("@") else 1
        name, sub = "/".join(parts[:size]), "/".join(parts[size:])
        found = self.by_name.get(name)
        if found is None:
            return None
        folder, manifest = found
        exports = manifest.get("exports")
        if exports is not None:
            for target in _export_targets(exports, "./" + sub if sub else "."):
                file = self.file_at(_join(folder, target))
                if file is not None:
                    return file
        if sub:
            return self.file_at(_join(folder, sub))
        for field in _ENTRY_FIELDS:
            entry = manifest.get(field)
            file = self.file_at(_join(folder, entry)) if isinstance(entry, str) else None
            if file is not None:
                return file
        return self.file_at(folder or ".")


def _join(folder: str, rel: str) -> str:
    return posixpath.normpath(posixpath.join(folder, rel)).removeprefix("./")


def _export_targets(exports: Any, key: str) -> list[str]:
    """Targets of subpath ``key`` (``"."``, ``"./v4"``) in an ``exports`` field, every
    condition in order, with a ``*`` pattern's match substituted."""
    if isinstance(exports, str | list) or (
        isinstance(exports, dict) and not any(k.startswith(".") for k in exports)
    ):
        exports = {".": exports}  # the package's only entry, written without a subpath
    if not isinstance(exports, dict):
        return []
    if key in exports:
        return _targets(exports[key], "")
    for pattern, value in exports.items():
        head, star, tail = pattern.partition("*")
        if star and key.startswith(head) and key.endswith(tail) and len(key) >= len(pattern) - 1:
            return _targets(value, key[len(head) : len(key) - len(tail)])
    return []


def _targets(value: Any, match: str) -> list[str]:
    if isinstance(value, str):
        return [value.replace("*", match)]
    if isinstance(value, list):
        return [t for v in value for t in _targets(v, match)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _targets(v, match)]
    return []
