"""The module map: which file an import names, and the dotted name a file's symbols get.

Built from the tree's paths and its project configuration files: Python modules by the
import roots ``roots.py`` finds (a file has a name under every root that holds it; the
deepest explicit root names it), JavaScript/TypeScript by relative specifiers and the
tree's own packages (``jsmodules.py``), Go by import path suffix (a package is a
directory), Java by package path suffix.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from pathlib import PurePosixPath

from subagents.tracing.jsmodules import PACKAGE_FILE, Packages
from subagents.tracing.languages import language_for
from subagents.tracing.roots import EXPLICIT, PROJECT_FILES, Root, declared

_KIND_RANK = {"declared": 0, "project": 1, "tests": 2, "implied": 3}
_GO_MODULE = re.compile(rb"^module\s+\"?([^\s\"]+)", re.MULTILINE)
_TEST_FILE = ("test_", "conftest.py")


def _ancestors(path: str) -> list[str]:
    """Folders above ``path``, nearest first, ending with the repository root ``""``."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]


class ModuleMap:
    def __init__(self, paths: list[str], configs: dict[str, bytes] | None = None) -> None:
        self.files: dict[str, str] = {}  # path -> language family
        for path in paths:
            spec = language_for(path)
            if spec is not None:
                self.files[path] = spec.family
        self.unreadable_configs: list[str] = []
        self.names: dict[str, str] = {}  # path -> the dotted name its symbols get
        self.dirs: dict[str, list[str]] = defaultdict(list)  # dir -> files, per package scope
        self._stems: dict[str, list[str]] = defaultdict(list)
        python = []
        for path, family in self.files.items():
            self.dirs[f"{family}:{posixpath.dirname(path)}"].append(path)
            if family == "python":
                python.append(path)
            else:
                self.names[path] = self._other_name(path, family)
                self._stems[PurePosixPath(path).stem].append(path)
        self._go_dirs = {d.split(":", 1)[1] for d in self.dirs if d.startswith("go:")}
        self._inits = {p.rsplit("/", 1)[0] for p in python if p.endswith("/__init__.py")}
        configs = configs or {}
        manifests = {p: d for p, d in configs.items() if posixpath.basename(p) == PACKAGE_FILE}
        self.packages = Packages(manifests, self.files)
        self.unreadable_configs += self.packages.unreadable
        self._go_modules: list[tuple[str, str]] = []  # (module path, folder), longest first
        for path, data in configs.items():
            found = _GO_MODULE.search(data) if posixpath.basename(path) == "go.mod" else None
            if found:
                self._go_modules.append((found.group(1).decode(), posixpath.dirname(path)))
        self._go_modules.sort(key=lambda m: -len(m[0]))
        configs = {p: d for p, d in configs.items()
                   if p not in manifests and posixpath.basename(p) != "go.mod"}  # fmt: skip
        self._roots = self._find_roots(paths, python, configs)
        self._by_folder: dict[str, list[Root]] = defaultdict(list)
        for root in self._roots:
            self._by_folder[root.folder].append(root)
        self._modules_in = {posixpath.dirname(p) for p in python if not p.endswith("__init__.py")}
        # dotted name -> (file, root) it is importable as
        self.python: dict[str, list[tuple[str, Root]]] = defaultdict(list)
        for path in sorted(python, key=lambda p: p.endswith(".pyi")):  # .py before .pyi
            folders = _ancestors(path)
            roots = self.roots_of(path, folders)
            self.names[path] = self.python_name(path, roots)
            for root in roots:
                self.python[root.name_of(path)].append((path, root))
        self._memo: dict[str, str | None] = {}

    def _find_roots(
        self, paths: list[str], python: list[str], configs: dict[str, bytes]
    ) -> list[Root]:
        exists = set(paths) | {f for p in paths for f in _ancestors(p)} if configs else set()
        roots = []
        projects = {""} | {posixpath.dirname(p) for p in paths if p.endswith("/manage.py")}
        declaring: set[str] = set()
        for path, data in configs.items():
            folder = posixpath.dirname(path)
            if posixpath.basename(path) in PROJECT_FILES:
                projects.add(folder)
            try:
                found = declared(path, data, exists)
            except (ValueError, UnicodeDecodeError):
                self.unreadable_configs.append(path)
                continue
            roots += found
            declaring.update(folder for r in found if r.kind == "declared")
        python_dirs = self._python_dirs = {f for p in python for f in _ancestors(p)}
        for folder in sorted(projects):
            roots.append(Root(folder, "project"))
            src = f"{folder}/src" if folder else "src"
            if folder not in declaring and src in python_dirs:
                roots.append(Root(src, "project"))
        for path in python:
            name = posixpath.basename(path)
            if name.startswith(_TEST_FILE) or name.endswith("_test.py"):
                base = posixpath.dirname(path)
                while base in self._inits:
                    base = posixpath.dirname(base)
                roots.append(Root(base, "tests"))
        roots += [Root(posixpath.dirname(d), "implied") for d in self._inits
                  if posixpath.dirname(d) not in self._inits]  # fmt: skip
        unique: dict[tuple[str, str], Root] = {}
        for root in sorted(roots, key=lambda r: _KIND_RANK[r.kind]):
            unique.setdefault((root.folder, root.prefix), root)
        return list(unique.values())

    def roots_of(self, path: str, folders: list[str] | None = None) -> list[Root]:
        """Import roots that hold ``path`` (whose ``folders`` are given if known), deepest
        first."""
        return [r for f in folders or _ancestors(path) for r in self._by_folder.get(f, ())]

    def python_name(self, path: str, roots: list[Root] | None = None) -> str:
        """The dotted module of a Python path (also for a path no longer in the tree):
        its name under the deepest explicit root, or under an implied root deeper still
        whose folder holds packages only (``lib/`` of ``lib/pkg/``, not ``app/`` of
        ``app/api/`` beside ``app/prices.py``)."""
        roots = self.roots_of(path) if roots is None else roots
        best = next((r for r in roots if r.kind in EXPLICIT), None)
        implied = next((r for r in roots if r.kind == "implied"), None)
        deeper = implied is not None and (best is None or len(implied.folder) > len(best.folder))
        if deeper and implied is not None and implied.folder not in self._modules_in:
            best = implied
        name = best.name_of(path) if best is not None else ""
        return name or PurePosixPath(path).parent.name

    def aliases(self, path: str) -> set[str]:
        """Every dotted name ``path`` is importable as."""
        return {r.name_of(path) for r in self.roots_of(path)} - {""}

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

    def python_module(self, name: str, importer: str | None = None) -> str | None:
        """The file of dotted module ``name`` as ``importer`` would import it: of several,
        one under a root that holds the importer (its own project or test folder), then
        the nearest. Without any, a unique file whose path ends with the name (a folder
        someone puts on ``sys.path`` at run time)."""
        found = self.python.get(name)
        if found:
            if len(found) == 1 or importer is None:
                return found[0][0]
            best = max(
                found,
                key=lambda c: (
                    c[1].holds(importer),
                    _shared(importer, c[0]),
                    -_KIND_RANK[c[1].kind],
                ),
            )
            return best[0]
        if name in self._memo:
            return self._memo[name]
        suffix = "." + name
        hits = {p for alias, cs in self.python.items() if alias.endswith(suffix)
                for p, root in cs if not root.folder}  # fmt: skip
        self._memo[name] = hits.pop() if len(hits) == 1 else None
        return self._memo[name]

    def is_namespace(self, name: str) -> bool:
        """Is ``name`` a folder without ``__init__.py`` under a root (PEP 420)?"""
        for root in self._roots:
            head, _, rest = name.partition(".") if root.prefix else ("", "", name)
            if root.prefix and head != root.prefix:
                continue
            folder = "/".join(p for p in (root.folder, *rest.split(".")) if p)
            if rest and folder in self._python_dirs and folder not in self._inits:
                return True
        return False

    def python_relative(self, importer: str, module: str) -> str:
        """The absolute dotted name of ``from ..x import`` as written in ``importer``,
        found by path (so it holds whichever root the importer is named under)."""
        level = len(module) - len(module.lstrip("."))
        if level == 0:
            return module
        folder = posixpath.dirname(importer)
        for _ in range(level - 1):
            folder = posixpath.dirname(folder)
        rest = module[level:]
        target = posixpath.join(folder, *rest.split(".")) if rest else folder
        for root in self.roots_of(target + "/x"):
            name = root.name_of(target)
            if name:
                return name
        return rest

    def js_module(self, importer: str, spec: str) -> str | None:
        return self.packages.module(importer, spec)

    def go_package(self, spec: str) -> list[str]:
        """Files of the package ``spec`` names: under the ``go.mod`` whose module path it
        starts with, else the repository directory whose path ends it."""
        for module, folder in self._go_modules:
            if spec == module or spec.startswith(module + "/"):
                rest = spec[len(module) + 1 :]
                target = "/".join(p for p in (folder, rest) if p)
                if target in self._go_dirs:
                    return self.dirs[f"go:{target}"]
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


def _shared(one: str, other: str) -> int:
    """How many leading folders two paths share."""
    count = 0
    for a, b in zip(one.split("/")[:-1], other.split("/")[:-1], strict=False):
        if a != b:
            break
        count += 1
    return count


def _dotted(path: str) -> str:
    return ".".join(PurePosixPath(path).with_suffix("").parts)
