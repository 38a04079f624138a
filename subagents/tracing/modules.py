"""The module map: which file an import names, and the dotted name a file's symbols get.

Built from the tree's paths alone (no file is read), per language: Python packages by
their ``__init__.py`` chain, JavaScript/TypeScript by relative specifiers, Go by import
path suffix (a package is a directory), Java by package path suffix.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from pathlib import PurePosixPath

from subagents.tracing.languages import language_for

_JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")


class ModuleMap:
    def __init__(self, paths: list[str]) -> None:
        self.files: dict[str, str] = {}  # path -> language family
        for path in paths:
            spec = language_for(path)
            if spec is not None:
                self.files[path] = spec.family
        self._inits = {p.rsplit("/", 1)[0] for p in self.files if p.endswith("/__init__.py")}
        self.python: dict[str, str] = {}
        self._python_full: dict[str, list[str]] = defaultdict(list)
        self.names: dict[str, str] = {}
        self.dirs: dict[str, list[str]] = defaultdict(list)  # dir -> files, per package scope
        self._stems: dict[str, list[str]] = defaultdict(list)
        for path, family in self.files.items():
            folder = posixpath.dirname(path)
            self.dirs[f"{family}:{folder}"].append(path)
            if family == "python":
                name = self.python_name(path)
                if path.endswith(".pyi") and name in self.python:
                    continue
                self.python.setdefault(name, path)
                self._python_full[_dotted(path)].append(path)
                self.names[path] = name
            else:
                self.names[path] = self._other_name(path, family)
                self._stems[PurePosixPath(path).stem].append(path)
        self._memo: dict[str, str | None] = {}
        self._go_dirs = {d.split(":", 1)[1] for d in self.dirs if d.startswith("go:")}

    def python_name(self, path: str) -> str:
        """The dotted module of a Python path (also for a path no longer in the tree)."""
        parts = path.removesuffix(".pyi").removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts.pop()
        folder = posixpath.dirname(path)
        start = folder.count("/") + 1 if folder else 0
        # climb while the folder is a package; what remains above it is not in the name
        while folder and folder in self._inits:
            folder = posixpath.dirname(folder)
            start -= 1
        return ".".join(parts[start:]) or PurePosixPath(path).parent.name

    @staticmethod
    def _other_name(path: str, family: str) -> str:
        parts = list(PurePosixPath(path).with_suffix("").parts)
        if family in {"go", "java"}:  # the package is the directory; Java's class is in qname
            parts = parts[:-1] or parts
            if family == "java" and "java" in parts:
                parts = parts[len(parts) - parts[::-1].index("java") :] or parts
        elif family == "js" and parts[-1] == "index" and len(parts) > 1:
            parts.pop()
        return ".".join(parts)

    # -- lookups -------------------------------------------------------------------------

    def module_name(self, path: str) -> str:
        return self.names.get(path) or _dotted(path)

    def package_files(self, path: str) -> list[str]:
        """Files sharing ``path``'s package scope (Go and Java directories)."""
        return self.dirs.get(f"{self.files.get(path)}:{posixpath.dirname(path)}", [path])

    def python_module(self, name: str) -> str | None:
        """The file of dotted module ``name``; unique suffix match for non-package layouts."""
        found = self.python.get(name)
        if found is not None or name in self._memo:
            return found or self._memo[name]
        # A namespace package (no __init__.py) leaves the file a shorter name than the import.
        depth = name.count(".")
        hits = [
            p
            for full, ps in self._python_full.items()
            if full.endswith("." + name)
            for p in ps
            if self.names[p].count(".") < depth
        ]
        self._memo[name] = hits[0] if len(hits) == 1 else None
        return self._memo[name]

    def python_relative(self, importer: str, module: str) -> str:
        """The absolute dotted name of ``from ..x import`` as written in ``importer``."""
        level = len(module) - len(module.lstrip("."))
        if level == 0:
            return module
        package = self.module_name(importer).split(".")
        if not importer.endswith(("__init__.py", "__init__.pyi")):
            package = package[:-1]
        base = package[: len(package) - (level - 1)] if level > 1 else package
        rest = module[level:]
        return ".".join([*base, rest] if rest else base)

    def js_module(self, importer: str, spec: str) -> str | None:
        if not spec.startswith("."):
            return None
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
        stem = base
        for ext in (".js", ".mjs", ".cjs", ".jsx"):
            stem = stem.removesuffix(ext)
        for candidate in (
            base,
            *(stem + e for e in _JS_EXTS),
            *(f"{base}/index{e}" for e in _JS_EXTS),
        ):
            if self.files.get(candidate) == "js":
                return candidate
        return None

    def go_package(self, spec: str) -> list[str]:
        """Files of the repository directory whose path ends the import path ``spec``."""
        parts = spec.split("/")
        for start in range(len(parts)):
            folder = "/".join(parts[start:])
            if folder in self._go_dirs:
                return self.dirs[f"go:{folder}"]
        return []

    def java_class(self, dotted: str) -> list[str]:
        """Files of ``a.b.C`` (one class) or ``a.b`` (a package, for ``import a.b.*``)."""
        parts = dotted.split(".")
        wanted = "/".join(parts) + ".java"
        hits = [
            p for p in self._stems.get(parts[-1], []) if p == wanted or p.endswith("/" + wanted)
        ]
        if hits:
            return hits
        folder = "/".join(parts)
        return [
            p
            for key, files in self.dirs.items()
            if key.startswith("java:") and (key == f"java:{folder}" or key.endswith("/" + folder))
            for p in files
        ]


def _dotted(path: str) -> str:
    return ".".join(PurePosixPath(path).with_suffix("").parts)
