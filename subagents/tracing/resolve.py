"""Name resolution: what a name or a receiver expression refers to, and how sure we are.

Resolution follows the language's own rules as far as facts allow: module map, imports
(with aliases, relative levels and re-exports), ``self``/``cls``/``this`` and base
classes, and local type evidence (``x = Foo()``, ``with Foo() as x``, ``x: Foo``).
A name that resolves elsewhere is dropped; one that does not resolve at all is kept
with a low confidence, because dynamic code exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from subagents.tracing.facts import RETURNS, RETURNS_VALUE, Def, FileFacts, Import, Ref
from subagents.tracing.languages import language_for
from subagents.tracing.project import Project

MAX_DEPTH = 6
# Each re-export a name passes through costs about three levels of ``top_level``'s depth
# (barrel files such as ``index.ts`` -> ``external.ts`` -> ``schemas.ts`` are common).
MAX_REEXPORT_DEPTH = 30
EXACT, TYPED, REACHABLE, NAME_ONLY = 0.9, 0.85, 0.45, 0.2


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


def _parent(scope: str | None) -> str | None:
    return scope.rsplit(".", 1)[0] if scope and "." in scope else None


class Resolver:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._defs: dict[str, dict[str, Def]] = {}
        self._top: dict[tuple[str, str], Resolved] = {}
        self._binds: dict[str, dict[tuple[str | None, str], str]] = {}
        self._returns: dict[Sym, Instance | None] = {}
        self._regional: dict[str, dict[tuple[str | None, str], list[tuple[int, int, str]]]] = {}
        self._active: set[tuple[str, str | None, str]] = set()  # bindings being resolved

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
            scope = _parent(scope)
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

    # -- expressions ----------------------------------------------------------------------

    def resolve_name(
        self, path: str, scope: str | None, name: str, line: int | None = None
    ) -> Resolved:
        """A bare name: a typed local first, then a member of an enclosing TypeScript
        namespace, then the module's top level."""
        local = self.local_type(path, scope, name, line)
        if local is not None:
            return local
        defs = self.defs(path)
        while scope:
            d = defs.get(scope)
            if d is not None and d.kind == "namespace" and f"{scope}.{name}" in defs:
                return Sym(path, f"{scope}.{name}")
            scope = _parent(scope)
        return self.top_level(path, name)

    def local_type(
        self, path: str, scope: str | None, var: str, line: int | None = None
    ) -> Resolved:
        """What local ``var`` holds at ``line`` of ``scope``, looked up outwards."""
        binds = self.binds(path)
        current = scope
        while True:
            text = self.regional(path, current, var, line)
            text = binds.get((current, var)) if text is None else text
            if text == "":
                return LOCAL  # an untyped parameter: it shadows any global of that name
            if text is not None:
                return self.bound(path, current, var, text, line)
            if current is None:
                return None
            current = _parent(current)

    def bound(
        self, path: str, scope: str | None, var: str, text: str, line: int | None
    ) -> Resolved:
        """The value a binding gives ``var``: ``=expr`` is that expression's value, any
        other text a type or a callable whose result it holds."""
        key = (path, scope, var)
        if key in self._active:
            return None  # ``x = x.next()``: no evidence beyond itself
        self._active.add(key)
        try:
            if text.startswith("="):
                return self.resolve_expr(path, scope, text[1:], line=line)
            return self.instance_of(self.resolve_expr(path, scope, text, line=line))
        finally:
            self._active.discard(key)

    def is_class(self, found: Resolved) -> bool:
        if not isinstance(found, Sym):
            return False
        d = self.definition(found)
        return d is not None and d.kind == "class"

    def resolve_expr(
        self,
        path: str,
        scope: str | None,
        text: str,
        typed: bool = True,
        line: int | None = None,
    ) -> Resolved:
        """A receiver such as ``self``, ``mod.Class``, ``Foo()``, ``self.session`` or a
        chain ``z.string().min()``: each call step takes the result type of what it calls."""
        spec = language_for(path)
        if spec is not None and text in spec.super_names:
            cls = self.enclosing_class(path, scope)
            return Instance(cls, via_self=True, bases_only=True) if cls else None
        steps = []
        for part in text.split("."):
            name = part.rstrip("()")
            calls = (len(part) - len(name)) // 2
            if part != name + "()" * calls or not (name.isidentifier() or name.startswith("$")):
                return None
            steps.append((name, calls))
        (head, calls), rest = steps[0], steps[1:]
        current: Resolved
        if spec is not None and head in spec.self_names and not calls:
            cls = self.enclosing_class(path, scope)
            current = Instance(cls, via_self=True) if cls else None
        elif typed:
            current = self.resolve_name(path, scope, head, line)
        else:
            current = self.top_level(path, head)
        current = self.called(current, None, calls)
        for name, calls in rest:
            owner, current = current, self.attribute(current, name)
            current = self.called(current, owner, calls or self.is_property(current))
        return current

    def is_property(self, found: Resolved) -> bool:
        """A method read as an attribute: a Python property, a TypeScript getter."""
        d = self.definition(found) if isinstance(found, Sym) else None
        return d is not None and bool({"property", "cached_property"} & set(d.decorators))

    def called(self, found: Resolved, owner: Resolved, calls: int) -> Resolved:
        """What calling ``found`` (read from ``owner``) ``calls`` times gives; a method that
        returns its receiver (``: this``, ``return this``) gives ``owner`` back."""
        for _ in range(calls):
            if isinstance(found, Sym) and isinstance(owner, Instance) and self.returns_self(found):
                found = owner
            else:
                found = self.instance_of(found)
            owner = None
        return found

    def returns_self(self, func: Sym) -> bool:
        binds = self.binds(func.path)
        spec = language_for(func.path)
        selves = spec.self_names if spec else frozenset()
        return (binds.get((func.qname, RETURNS)) in selves
                or binds.get((func.qname, RETURNS_VALUE)) in selves)  # fmt: skip

    def attribute(self, base: Resolved, name: str) -> Resolved:
        if isinstance(base, External):
            return EXTERNAL
        if isinstance(base, Mod):
            return self.member(base, name)
        if isinstance(base, Instance) and base.bases_only:
            return next(
                filter(None, (self.lookup_method(b, name) for b in self.bases(base.cls))), None
            )
        if isinstance(base, Instance):
            return self.lookup_method(base.cls, name) or self.instance_attribute(base.cls, name)
        if isinstance(base, Sym) and self.is_class(base):
            return self.lookup_method(base, name)
        if isinstance(base, Sym) and getattr(self.definition(base), "kind", "") == "namespace":
            member = f"{base.qname}.{name}"
            return Sym(base.path, member) if member in self.defs(base.path) else None
        return None

    # -- types of results and attributes ------------------------------------------------

    def instance_of(self, found: Resolved) -> Resolved:
        """What calling ``found`` yields: an instance of a class, a function's result."""
        if isinstance(found, Instance):
            return found
        if not isinstance(found, Sym):
            return None
        d = self.definition(found)
        if d is None:
            return None
        if d.kind == "class":
            return Instance(found)
        return self.returns(found)

    def returns(self, func: Sym) -> Instance | None:
        """The instance a function returns, from its annotation, a returned call or a
        returned name (``return self``, ``return resp``); None when unknown."""
        if func in self._returns:
            return self._returns[func]
        self._returns[func] = None  # breaks recursion
        binds = self.binds(func.path)
        result: Resolved = None
        text = binds.get((func.qname, RETURNS))
        if text:
            result = self.instance_of(self.resolve_expr(func.path, func.qname, text))
        text = binds.get((func.qname, RETURNS_VALUE))
        if result is None and text:
            result = self.resolve_expr(func.path, func.qname, text)
        found = result if isinstance(result, Instance) else None
        self._returns[func] = found
        return found

    def instance_attribute(self, cls: Sym, name: str, depth: int = 0) -> Resolved:
        """The type of attribute ``name`` of ``cls``'s instances (``self.x = Foo()``,
        ``x: Foo`` in the class body), looked up along the bases."""
        if depth > MAX_DEPTH:
            return None
        binds = self.binds(cls.path)
        text = binds.get((cls.qname, "self." + name)) or binds.get((cls.qname, name))
        if text:
            return self.bound(cls.path, cls.qname, name, text, None)
        for base in self.bases(cls):
            found = self.instance_attribute(base, name, depth + 1)
            if found is not None:
                return found
        return None

    def lookup_method(self, cls: Sym, name: str, depth: int = 0) -> Sym | None:
        """``name`` on class ``cls`` or the first base class that defines it."""
        if depth > MAX_DEPTH:
            return None
        own = f"{cls.qname}.{name}"
        spec = language_for(cls.path)
        homes = self.project.modules.package_files(cls.path) if spec and spec.name == "go" else []
        for home in [cls.path, *(h for h in homes if h != cls.path)]:  # Go: any file of the package
            if own in self.defs(home):
                return Sym(home, own)
        for base in self.bases(cls):
            found = self.lookup_method(base, name, depth + 1)
            if found is not None:
                return found
        return None

    def bases(self, cls: Sym) -> list[Sym]:
        d = self.definition(cls)
        if d is None:
            return []
        found = [self.resolve_expr(cls.path, d.parent, b, typed=False) for b in d.bases]
        return [b for b in found if isinstance(b, Sym) and b != cls]

    def mro_complete(self, cls: Sym, depth: int = 0) -> bool:
        """True when every base class is in the repository, so a miss is a real miss."""
        d = self.definition(cls)
        if d is None or depth > MAX_DEPTH:
            return False
        bases = [b for b in d.bases if b not in {"object", "ABC", "abc.ABC"}]
        resolved = self.bases(cls)
        return len(resolved) == len(bases) and all(
            self.mro_complete(b, depth + 1) for b in resolved
        )

    def subclass_of(self, cls: Sym, base: Sym, depth: int = 0) -> bool:
        if cls == base:
            return True
        return depth < MAX_DEPTH and any(
            self.subclass_of(b, base, depth + 1) for b in self.bases(cls)
        )

    # -- references ---------------------------------------------------------------------

    def target_of(self, path: str, ref: Ref) -> tuple[Resolved, float]:
        """What a reference reaches, with the confidence of the evidence used."""
        spec = language_for(path)
        receiver = ref.receiver
        java = spec is not None and spec.name == "java"
        if (
            receiver is None
            and java
            and ref.form == "call"
            and self.enclosing_class(path, ref.scope)
        ):
            named = self.resolve_name(path, ref.scope, ref.name)
            if self.is_class(named):
                return named, EXACT  # ``new Helper()``
            receiver = "this"  # Java's implicit receiver
        if receiver is None:
            found = self.resolve_name(path, ref.scope, ref.name, ref.line)
            if isinstance(found, Instance):  # a typed local holding an instance, not a call
                return None, NAME_ONLY
            return found, EXACT
        base = self.resolve_expr(path, ref.scope, receiver, line=ref.line)
        via = isinstance(base, Instance) and (base.via_self or receiver.endswith("()"))
        confidence = EXACT if not isinstance(base, Instance) or via else TYPED
        return self.attribute(base, ref.name), confidence

    def reaches(self, path: str, target: Sym) -> bool:
        """Does ``path`` import anything of the target's top-level package (or live beside it)?

        A package's ``__init__`` re-exports, so importing ``flask`` reaches ``flask.config``.
        """
        modules = self.project.modules
        if path == target.path or target.path in modules.package_files(path):
            return True
        home = modules.module_name(target.path).split(".")[0]
        facts = self.facts(path)
        for imp in facts.imports if facts else []:
            found = self.resolve_import(path, imp, 1)
            files = (
                found.files
                if isinstance(found, Mod)
                else ((found.path,) if isinstance(found, Sym) else ())
            )
            tops = {modules.module_name(f).split(".")[0] for f in files}
            if isinstance(found, Mod) and found.name:
                tops.add(found.name.split(".")[0])
            if home in tops:
                return True
        return False
