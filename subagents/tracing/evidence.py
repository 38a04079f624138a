"""How sure we are that a reference reaches a target: the evidence behind a caller edge.

The resolved target is the strongest evidence; a call through a base class's or an
interface's declaration reaches overrides where the language's tooling says so; an
unknown receiver calling a method of the target's name is a lead only (``possible``),
and a bare name match is counted, not shown.
"""

from __future__ import annotations

from collections import Counter

from subagents.tracing.facts import Def, Ref
from subagents.tracing.languages import language_for
from subagents.tracing.resolve import LOCAL, NAME_ONLY, REACHABLE, Instance, Resolver, Sym

CALL_FORMS = {"call", "decorator"}
DISPATCH = 0.6  # a call through the base class's declaration of an overridden method
# Methods every builtin container, string or file has: an unknown receiver calling one of
# these is more likely a builtin than the repository's method of the same name.
COMMON_METHODS = frozenset(
    name
    for kind in (dict, list, str, bytes, set, tuple, int, float, object)
    for name in dir(kind)
) | {"read", "write", "close", "flush", "readline", "readlines", "seek", "tell", "send",
     "info", "debug", "warning", "error", "exception", "set", "add"}  # fmt: skip


def caller_confidence(
    resolver: Resolver, omitted: Counter[str], path: str, ref: Ref, target: Sym, tdef: Def
) -> float | None:
    """How sure we are that ``ref`` reaches ``target``; None when it reaches something else."""
    is_property = "property" in tdef.decorators or "cached_property" in tdef.decorators
    call_like = ref.form in CALL_FORMS or (is_property and ref.form == "attribute")
    found, confidence = resolver.target_of(path, ref)
    if found == target:
        return confidence if call_like else confidence * 0.9
    if call_like and _through_base(resolver, path, ref, tdef, target):
        return DISPATCH
    if found is not None or not call_like:
        return None
    if ref.receiver is not None:
        base = resolver.resolve_expr(path, ref.scope, ref.receiver, line=ref.line)
        cls = base.cls if isinstance(base, Instance) else base
        known = isinstance(cls, Sym) and resolver.is_class(cls)
        if known and (
            (isinstance(base, Instance) and base.via_self) or resolver.mro_complete(cls)  # type: ignore[arg-type]
        ):
            return None  # the receiver's class is known and has no such method here
        if ref.name in COMMON_METHODS:
            return NAME_ONLY  # ``x.get()`` on an unknown ``x`` is as likely a dict
        head = ref.receiver.split(".")[0]
        if resolver.local_type(path, ref.scope, head, ref.line) is LOCAL:
            omitted["calls on untyped parameters not listed"] += 1
            return None  # a pytest fixture, a callback's argument: no type evidence
    elif tdef.kind == "method" and getattr(language_for(path), "name", "") != "java":
        return None  # a bare name never reaches a method outside Java
    if ref.receiver is None or tdef.kind != "method":
        return NAME_ONLY  # an unresolved bare name, or a function's module did not resolve
    # An unknown receiver calling a method of this name: a lead only (a type checker
    # confirms few of these), and none at all where nothing of the package is imported.
    return REACHABLE if resolver.reaches(path, target) else NAME_ONLY


def _through_base(resolver: Resolver, path: str, ref: Ref, tdef: Def, target: Sym) -> bool:
    """Is ``ref`` a call of ``tdef``'s name on an instance of a proper base class (or
    an interface) of the target's class that declares the method, so that it
    dispatches to the target at run time?"""
    spec = language_for(path)
    if not (spec and spec.dispatch_through_base and ref.receiver and tdef.parent):
        return False
    if tdef.kind != "method" or ref.name != tdef.name:
        return False
    base = resolver.resolve_expr(path, ref.scope, ref.receiver, line=ref.line)
    if not isinstance(base, Instance) or base.bases_only or base.cls is None:
        return False
    cls = Sym(target.path, tdef.parent)
    if base.cls == cls or resolver.lookup_method(base.cls, tdef.name) is None:
        return False  # the receiver's type does not declare the method
    return resolver.subclass_of(cls, base.cls) or _implements(resolver, cls, base.cls)


def _implements(resolver: Resolver, cls: Sym, interface: Sym) -> bool:
    """Does ``cls`` have every method ``interface`` declares (Go's implicit interfaces:
    by name, not signature)?"""
    wanted = [d.name for d in resolver.defs(interface.path).values()
              if d.parent == interface.qname and "abstract" in d.decorators]  # fmt: skip
    return bool(wanted) and all(resolver.lookup_method(cls, n) for n in wanted)
