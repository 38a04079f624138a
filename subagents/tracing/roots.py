"""Python import roots: the folders an ``import a.b`` is looked up under, as ``sys.path``.

Python finds ``a.b`` as ``<root>/a/b.py`` under any root on ``sys.path``, whether or not
``a`` has an ``__init__.py`` (PEP 420). Which folders are roots is not in the code but in
how a project is built and tested, so they are read from the tree:

- *declared*: ``pyproject.toml`` (setuptools ``package-dir`` and ``packages.find.where``,
  hatch ``packages``/``sources``, poetry ``packages``, flit's module, pdm, uv, maturin,
  pytest ``pythonpath``), ``setup.cfg``, ``pytest.ini``/``tox.ini`` and the common
  literal forms of ``setup.py`` (never executed);
- *project*: each folder holding a project file, the repository root, and its ``src/``
  when no root is declared (setuptools' src-layout discovery);
- *tests*: pytest's default import mode puts the first folder above a test module or
  ``conftest.py`` without an ``__init__.py`` on ``sys.path``;
- *implied*: the folder above a top-level regular package (``lib/`` of
  ``lib/pkg/__init__.py``), which something must have put on ``sys.path`` for
  ``import pkg`` to work.

``sys.path`` edits in code are not followed (the trace counts them).
"""

from __future__ import annotations

import configparser
import posixpath
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
CONFIG_FILES = (*PROJECT_FILES, "pytest.ini", "tox.ini")
# Read with them for the JavaScript/TypeScript (``jsmodules.py``) and Go module maps.
OTHER_CONFIG_FILES = ("package.json", "go.mod")
MAX_CONFIGS = 200
_SETUP_PY_DIR = re.compile(r"package_dir\s*=\s*\{\s*['\"]{2}\s*:\s*['\"]([^'\"]+)['\"]")
_SETUP_PY_FIND = re.compile(
    r"find_(?:namespace_)?packages\(\s*(?:where\s*=\s*)?['\"]([^'\"]+)['\"]"
)
# The first root kinds name a file when several roots hold it; ``implied`` only when the
# repository root is the sole other root (see ``ModuleMap``).
EXPLICIT = ("declared", "project", "tests")


@dataclass(frozen=True, slots=True)
class Root:
    """A folder on ``sys.path`` (``""`` is the repository root); ``prefix`` is the dotted
    package the folder is (setuptools ``package-dir = {"pkg" = "lib"}``), else empty."""

    folder: str
    kind: str
    prefix: str = ""

    def holds(self, path: str) -> bool:
        return not self.folder or path.startswith(self.folder + "/")

    def name_of(self, path: str) -> str:
        """The dotted name ``path`` (a file or a folder) has under this root."""
        rel = path[len(self.folder) + 1 :] if self.folder else path
        rel = rel.removesuffix(".pyi").removesuffix(".py")
        parts = [p for p in rel.split("/") if p]
        if parts and parts[-1] == "__init__":
            parts.pop()
        return ".".join([self.prefix, *parts] if self.prefix else parts)


def config_paths(paths: Iterable[str]) -> tuple[list[str], int]:
    """Project and test configuration files of the tree, shallowest first, capped; and
    how many were left out over the cap."""
    found = sorted(
        (p for p in paths if posixpath.basename(p) in (*CONFIG_FILES, *OTHER_CONFIG_FILES)),
        key=lambda p: (p.count("/"), p),
    )
    return found[:MAX_CONFIGS], max(len(found) - MAX_CONFIGS, 0)


def _join(folder: str, rel: str) -> str:
    return posixpath.normpath(posixpath.join(folder, rel.strip() or ".")).removeprefix(".")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _get(table: Any, *keys: str) -> Any:
    for key in keys:
        table = table.get(key) if isinstance(table, dict) else None
    return table


def _package_dir(folder: str, mapping: dict[str, Any]) -> list[Root]:
    return [
        Root(_join(folder, str(where)), "declared", prefix.strip())
        for prefix, where in mapping.items()
        if isinstance(where, str)
    ]


def _from_pyproject(folder: str, data: dict[str, Any], exists: set[str]) -> list[Root]:
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    roots: list[Root] = []
    setuptools = _get(tool, "setuptools")
    if isinstance(_get(setuptools, "package-dir"), dict):
        roots += _package_dir(folder, setuptools["package-dir"])
    find = _get(setuptools, "packages", "find")
    roots += [Root(_join(folder, w), "declared") for w in _strings(_get(find, "where"))]
    for table in (_get(tool, "hatch", "build"), _get(tool, "hatch", "build", "targets", "wheel")):
        for package in _strings(_get(table, "packages")):
            roots.append(Root(posixpath.dirname(_join(folder, package)), "declared"))
        sources = _get(table, "sources")
        if isinstance(sources, dict):
            roots += [
                Root(_join(folder, src), "declared", str(dst).strip("/").replace("/", "."))
                for src, dst in sources.items()
            ]
        roots += [Root(_join(folder, src), "declared") for src in _strings(sources)]
    for package in _get(tool, "poetry", "packages") or []:
        if isinstance(package, dict) and isinstance(package.get("include"), str):
            roots.append(Root(_join(folder, str(package.get("from") or ".")), "declared"))
    flit = _get(tool, "flit", "module", "name")
    backend = str(_get(data, "build-system", "build-backend") or "")
    if flit is None and backend.startswith("flit"):
        flit = str(_get(data, "project", "name") or "").replace("-", "_")
    if isinstance(flit, str) and flit:
        top = flit.split(".")[0]
        src = _join(folder, "src")
        in_src = f"{src}/{top}" in exists or f"{src}/{top}.py" in exists
        roots.append(Root(src if in_src else folder, "declared"))
    for where in (
        _get(tool, "pdm", "build", "package-dir"),
        _get(tool, "uv", "build-backend", "module-root"),
        _get(tool, "maturin", "python-source"),
    ):
        if isinstance(where, str):
            roots.append(Root(_join(folder, where), "declared"))
    if backend.startswith("uv_build") and _get(tool, "uv", "build-backend", "module-root") is None:
        roots.append(Root(_join(folder, "src"), "declared"))
    pythonpath = _get(tool, "pytest", "ini_options", "pythonpath")
    return roots + [Root(_join(folder, p), "declared") for p in _strings(pythonpath)]


def _from_ini(folder: str, text: str, name: str) -> list[Root]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    roots: list[Root] = []
    for section in ("pytest", "tool:pytest"):
        if parser.has_option(section, "pythonpath"):
            roots += [
                Root(_join(folder, p), "declared") for p in parser[section]["pythonpath"].split()
            ]
    if name != "setup.cfg":
        return roots
    if parser.has_option("options", "package_dir"):
        for line in parser["options"]["package_dir"].splitlines():
            prefix, sep, where = line.partition("=")
            if sep:
                roots += _package_dir(folder, {prefix: where})
    if parser.has_option("options.packages.find", "where"):
        found = parser["options.packages.find"]["where"].split()
        roots += [Root(_join(folder, w), "declared") for w in found]
    return roots


def declared(path: str, data: bytes, exists: set[str]) -> list[Root]:
    """The roots one configuration file declares; raises ValueError when it cannot be read."""
    folder, name = posixpath.dirname(path), posixpath.basename(path)
    text = data.decode("utf-8")
    if name == "pyproject.toml":
        try:
            return _from_pyproject(folder, tomllib.loads(text), exists)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(str(exc)) from None
    if name == "setup.py":
        found = _SETUP_PY_DIR.findall(text) + _SETUP_PY_FIND.findall(text)
        return [Root(_join(folder, where), "declared") for where in found]
    try:
        return _from_ini(folder, text, name)
    except configparser.Error as exc:
        raise ValueError(str(exc)) from None
