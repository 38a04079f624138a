"""Name resolution: what a name or a receiver expression refers to, and how sure we are.

Resolution follows the language's own rules as far as facts allow: module-level names
(``names.py``), ``self``/``cls``/``this`` and base classes, and local type evidence
(``x = Foo()``, ``with Foo() as x``, ``x: Foo``, result types along ``a.b().c()``).
A name that resolves elsewhere is dropped; one that does not resolve at all is kept
with a low confidence, because dynamic code exists.
"""

from __future__ import annotations

from subagents.tracing.facts import RETURNS, RETURNS_VALUE, Ref
from subagents.tracing.languages import language_for
from subagents.tracing.names import (
    EXTERNAL,
    LOCAL,
    MAX_DEPTH,
    External,
    Instance,
    Local,
    Mod,
    Names,
    Resolved,
    Sym,
    parent_scope,
)
from subagents.tracing.project import Project

EXACT, TYPED, REACHABLE, NAME_ONLY = 0.9, 0.85, 0.45, 0.2
__all__ = ["EXACT", "EXTERNAL", "LOCAL", "NAME_ONLY", "REACHABLE", "TYPED", "External",
           "Instance", "Local", "Mod", "Resolved", "Resolver", "Sym"]  # fmt: skip


class Resolver(Names):
    def __init__(self, project: Project) -> None:
        super().__init__(project)
        self._returns: dict[Sym, Instance | None] = {}
        self._active: set[tuple[str, str | None, str]] = set()  # bindings being resolved

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
            scope = parent_scope(scope)
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
            current = parent_scope(current)

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
