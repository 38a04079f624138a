"""Module-level names: what a name at the top level of a file is, through the module
map and imports (aliases, relative levels, re-exports, barrels), and the per-file tables
(definitions, bindings) resolution reads. ``resolve.py`` builds expressions, types and
references on top of this.
"""

from __future__ import annotations

from dataclasses import dataclass

from subagents.tracing.facts import Def, FileFacts, Import
from subagents.tracing.languages import language_for
from subagents.tracing.project import Project

MAX_DEPTH = 6
# Each re-export a name passes through costs about three levels of ``top_level``'s depth
# (barrel files such as ``index.ts`` -> ``external.ts`` -> ``schemas.ts`` are common).
MAX_REEXPORT_DEPTH = 30


@dataclass(frozen=True, slots=True)
class Sym:
    path: str
    qname: str


@dataclass(frozen=True, slots=True)
class Mod:
    """A module (a Go or Java package: several files); ``name`` is a Python module's dotted
    name as imported (no files: a namespace package)."""

    files: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True, slots=True)
class Instance:
    cls: Sym
    via_self: bool = False
    bases_only: bool = False  # ``super()``: the lookup starts above the class


class External:
    """A name bound to something outside the repository (a library, a builtin module)."""


class Local:
    """A local name of unknown type (a parameter): it shadows module-level names."""


EXTERNAL = External()
LOCAL = Local()
Resolved = Sym | Mod | Instance | External | Local | None


def parent_scope(scope: str | None) -> str | None:
    return scope.rsplit(".", 1)[0] if scope and "." in scope else None


class Names:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._defs: dict[str, dict[str, Def]] = {}
        self._top: dict[tuple[str, str], Resolved] = {}
        self._binds: dict[str, dict[tuple[str | None, str], str]] = {}
        self._regional: dict[str, dict[tuple[str | None, str], list[tuple[int, int, str]]]] = {}

    def bound(
        self, path: str, scope: str | None, var: str, text: str, line: int | None
    ) -> Resolved:
        """The value a binding gives ``var`` (``Resolver`` evaluates its expression)."""
        raise NotImplementedError

    # -- per-file indexes ----------------------------------------------------------------

    def facts(self, path: str) -> FileFacts | None:
        """Definitions, imports and bindings of ``path`` (resolution never needs its refs)."""
        return self.project.head(path)

    def defs(self, path: str) -> dict[str, Def]:
        if path not in self._defs:
            facts = self.facts(path)
            table: dict[str, Def] = {}
            for d in facts.defs if facts else []:
                table.setdefault(d.qname, d)
            self._defs[path] = table
        return self._defs[path]

    def definition(self, sym: Sym) -> Def | None:
        return self.defs(sym.path).get(sym.qname)

    def binds(self, path: str) -> dict[tuple[str | None, str], str]:
        """(scope, var) -> type text; ``self.x`` bindings are keyed by their class. The
        bindings of callbacks, which hold only within their lines, are in ``regional``."""
        if path not in self._binds:
            table: dict[tuple[str | None, str], str] = {}
            regional: dict[tuple[str | None, str], list[tuple[int, int, str]]] = {}
            facts = self.facts(path)
            spec = language_for(path)
            for b in facts.binds if facts else []:
                if b.start:
                    regional.setdefault((b.scope, b.var), []).append((b.start, b.end, b.type))
                    continue
                head, _, rest = b.var.partition(".")
                if rest and spec and head in spec.self_names:
                    cls = self.enclosing_class(path, b.scope)
                    table.setdefault((cls.qname if cls else None, "self." + rest), b.type)
                else:
                    table.setdefault((b.scope, b.var), b.type)
            self._binds[path] = table
            self._regional[path] = regional
        return self._binds[path]

    def regional(self, path: str, scope: str | None, var: str, line: int | None) -> str | None:
        """The type text of ``var`` bound in the innermost callback holding ``line``."""
        self.binds(path)
        entries = self._regional[path].get((scope, var), ())
        held = [b for b in entries if line and b[0] <= line <= b[1]]
        return max(held)[2] if held else None

    def enclosing_class(self, path: str, scope: str | None) -> Sym | None:
        defs = self.defs(path)
        while scope:
            d = defs.get(scope)
            if d is not None and d.kind == "class":
                return Sym(path, scope)
            if d is not None and d.kind == "method" and d.parent and d.parent not in defs:
                found = self.top_level(path, d.parent)  # a Go method's receiver type
                return found if isinstance(found, Sym) else None
            scope = parent_scope(scope)
        return None

    # -- module-level names ----------------------------------------------------------------

    def top_level(self, path: str, name: str, depth: int = 0) -> Resolved:
        """What ``name`` means at the top level of ``path``, following re-exports."""
        key = (path, name)
        if key in self._top:
            return self._top[key]
        self._top[key] = None  # breaks import cycles
        result = self._top_level(path, name, depth) if depth < MAX_REEXPORT_DEPTH else None
        self._top[key] = result
        return result

    def _top_level(self, path: str, name: str, depth: int) -> Resolved:
        if name in self.defs(path):
            return Sym(path, name)
        facts = self.facts(path)
        if facts is None:
            return None
        for imp in facts.imports:
            if not imp.star and self.bound_name(path, imp) == name:
                return self.resolve_import(path, imp, depth + 1)
        for imp in facts.imports:
            if imp.star:
                target = self.resolve_import(path, imp, depth + 1)
                if isinstance(target, Mod):
                    found = self.member(target, name, depth + 1)
                    if found is not None:
                        return found
        text = self.binds(path).get((None, name))
        if text:  # a module-level instance: ``current_app: Flask = ...``, ``app = Flask()``
            return self.bound(path, None, name, text, None)
        spec = language_for(path)
        if spec is not None and spec.package_scope:
            for other in self.project.modules.package_files(path):
                if other != path and name in self.defs(other):
                    return Sym(other, name)
        return None

    def bound_name(self, path: str, imp: Import) -> str:
        family = self.project.modules.files.get(path)
        if imp.alias:
            return imp.alias
        if imp.name:
            return imp.name
        if family == "python":
            return imp.module.split(".")[0]
        return imp.module.rstrip("/").replace(".", "/").split("/")[-1]

    def resolve_import(self, path: str, imp: Import, depth: int) -> Resolved:
        modules = self.project.modules
        family = modules.files.get(path)
        if family == "python":
            absolute = modules.python_relative(path, imp.module)
            if imp.name is None and not imp.star:
                absolute = absolute if imp.alias else absolute.split(".")[0]
            mod = self.python_module(absolute, path)
            if mod is None:
                return EXTERNAL
            if imp.name is None:
                return mod
            found = self.member(mod, imp.name, depth)
            return (
                found if found is not None else self.python_module(f"{absolute}.{imp.name}", path)
            )
        if family == "js":
            if not imp.module:  # ``export default name``: a local alias
                return self.top_level(path, imp.name or "", depth)
            file = modules.js_module(path, imp.module)
            if file is None:
                return EXTERNAL
            return Mod((file,)) if imp.name is None else self.member(Mod((file,)), imp.name, depth)
        if family == "go":
            files = modules.go_package(imp.module)
            return Mod(tuple(files)) if files else EXTERNAL
        if family == "java":
            files = modules.java_class(imp.module)
            if not files:
                return EXTERNAL
            if imp.star:
                return Mod(tuple(files))
            return Sym(files[0], imp.module.rsplit(".", 1)[-1])
        return None

    def python_module(self, name: str, importer: str | None = None) -> Mod | None:
        """Python module ``name`` (a file, or a namespace package's folder) as ``importer``
        imports it."""
        modules = self.project.modules
        file = modules.python_module(name, importer)
        if file is not None:
            return Mod((file,), name)
        return Mod((), name) if modules.is_namespace(name) else None

    def member(self, mod: Mod, name: str, depth: int = 0) -> Resolved:
        for file in mod.files:
            found = self.top_level(file, name, depth + 1)
            if found is not None:
                return found
        if mod.name and (not mod.files or mod.files[0].endswith(("__init__.py", "__init__.pyi"))):
            return self.python_module(f"{mod.name}.{name}")  # a submodule of the package
        return None
