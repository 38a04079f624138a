"""Where changed values go: other uses of a constant or literal, and the validations of
the fields they are stored in (``kind: "value"`` edges).

A constant's uses are found as a caller's are (candidate files, then each reference
checked against the file's imports); a literal's other copies by a verbatim search; the
field a value is stored in (``Banner(title=COPY)``, ``{"title": COPY}``) is looked up in
files that declare it, and each validation there becomes an edge, sure when it sits in
the class the value is passed to and ``possible`` when only the field name matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from subagents.tracing.candidates import REMOTE_INDEX_CAP, files_mentioning, nearness
from subagents.tracing.constraints import Constraint, constraints_in, describe
from subagents.tracing.graph import POSSIBLE_BELOW, Tracer
from subagents.tracing.languages import is_test_path
from subagents.tracing.model import Edge
from subagents.tracing.resolve import EXACT, NAME_ONLY, Mod, Sym
from subagents.tracing.values import Sink, Value

FIELD_GLOBS = ["*.py", "*.pyi", "*.json", "*.sql", "*.yaml", "*.yml"]
MAX_TEXT_FILES = 300
MAX_SITES = 30  # per literal searched verbatim
LITERAL = 0.8
SETTINGS = 0.6
_CONSTANT = re.compile(r"^_*[A-Z][A-Z0-9_]{3,}$")


class ValueTracer:
    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        self.project = tracer.project

    def edges(self, values: list[Value]) -> list[Edge]:
        edges: list[Edge] = []
        for value in values:
            if self.project.out_of_time():
                self.project.omitted["values not traced (time budget)"] += 1
                continue
            target = self.tracer.qualified(Sym(value.path, value.scope))
            sinks = [(s, 1) for s in value.sinks]
            if value.name is not None:
                uses, more = self._uses(value, target)
                edges += uses
                sinks += [(s, 2) for s in more]
            edges += self._copies(value, target)
            edges += self._validations(value, target, sinks)
        return edges

    def _edge(self, path: str, line: int, target: str, hops: int, confidence: float, note: str,
              symbol: str | None = None) -> Edge:  # fmt: skip
        if symbol is None:
            symbol = self.tracer.qualified(Sym(path, self._scope_at(path, line)))
        possible = confidence < POSSIBLE_BELOW
        return Edge(kind="value", symbol=symbol, path=path, line=line, target=target, hops=hops,
                    confidence=confidence, possible=possible, note=note)  # fmt: skip

    def _scope_at(self, path: str, line: int, kind: str | None = None) -> str:
        """The innermost definition (of ``kind``, if given) around ``line``; "" if none."""
        facts = self.project.head(path) if path in self.project.modules.files else None
        inner = [d for d in (facts.defs if facts else []) if d.line <= line <= d.end_line
                 and (kind is None or d.kind == kind)]  # fmt: skip
        return max(inner, key=lambda d: d.line).qname if inner else ""

    # -- uses of a constant or member ---------------------------------------------------

    def _uses(self, value: Value, target: str) -> tuple[list[Edge], list[Sink]]:
        assert value.name is not None
        name = value.name.rsplit(".", 1)[-1]
        edges: list[Edge] = []
        sites: dict[str, set[int]] = {}
        paths = files_mentioning(self.project, [name], "python")
        for path, facts in self.project.with_refs_named(paths, {name}).items():
            for ref in facts.refs:
                if path == value.path and ref.line == value.line:
                    continue
                confidence = self._use_confidence(path, ref.receiver, ref.scope, value)
                if confidence is None:
                    continue
                edges.append(self._edge(path, ref.line, target, 1, confidence,
                                        f"uses `{value.name}`"))  # fmt: skip
                sites.setdefault(path, set()).add(ref.line)
        sinks = [
            sink
            for path, rows in self.project.lines(sites).items()
            for line, text in rows.items()
            for sink in _sinks_on(text, name, line)
        ]
        return edges, sinks

    def _use_confidence(
        self, path: str, receiver: str | None, scope: str | None, value: Value
    ) -> float | None:
        """How sure a reference named like the value reaches it; None when it reaches
        something else (another module's name, another class's member)."""
        assert value.name is not None
        resolver = self.tracer.resolver
        if value.member:
            owner = Sym(value.path, value.name.rsplit(".", 1)[0])
            if receiver is None:
                return (
                    EXACT
                    if path == value.path and scope and scope.startswith(owner.qname)
                    else None
                )
            base = resolver.resolve_expr(path, scope, receiver)
            cls = getattr(base, "cls", base)
            if isinstance(cls, Sym):
                return EXACT if resolver.subclass_of(cls, owner) else None
            return (
                NAME_ONLY if receiver.rsplit(".", 1)[-1] == owner.qname.rsplit(".", 1)[-1] else None
            )
        if receiver is None:
            if path == value.path:
                return EXACT if resolver.local_type(path, scope, value.name) is None else None
            return EXACT if self._imports_value(path, value) else None
        base = resolver.resolve_expr(path, scope, receiver)
        if isinstance(base, Mod):
            return EXACT if value.path in base.files else None
        if receiver.rsplit(".", 1)[-1] == "settings" and _CONSTANT.match(value.name):
            return SETTINGS  # Django-style ``settings.NAME``: any settings module
        return NAME_ONLY if base is None and _CONSTANT.match(value.name) else None

    def _imports_value(self, path: str, value: Value) -> bool:
        facts = self.tracer.resolver.facts(path)
        modules = self.project.modules
        for imp in facts.imports if facts else []:
            if imp.name == value.name or (imp.star and imp.name is None):
                module = modules.python_relative(path, imp.module)
                if modules.python_module(module, path) == value.path:
                    return True
        return False

    # -- copies of a literal -------------------------------------------------------------

    def _copies(self, value: Value, target: str) -> list[Edge]:
        edges = []
        for text in value.texts:
            found = 0
            for path, content in self.project.texts(self._containing([text], False, [])).items():
                for number, line in enumerate(content.split("\n"), 1):
                    if text not in line or (path == value.path and number == value.line):
                        continue
                    if found == MAX_SITES:
                        self.project.omitted["copies of a changed literal over the limit"] += 1
                        continue
                    found += 1
                    edges.append(self._edge(path, number, target, 1, LITERAL,
                                            f"the same text: {text[:60]!r}"))  # fmt: skip
        return edges

    # -- validations of the fields the value is stored in --------------------------------

    def _validations(self, value: Value, target: str, sinks: list[tuple[Sink, int]]) -> list[Edge]:
        edges: list[Edge] = []
        by_field: dict[str, list[tuple[Sink, int]]] = {}
        for sink, hops in sinks:
            by_field.setdefault(sink.field, []).append((sink, hops))
        for field_name, stored in by_field.items():
            if self.project.out_of_time():
                self.project.omitted["values not traced (time budget)"] += 1
                break
            texts = self.project.texts(self._containing([field_name], True, FIELD_GLOBS))
            for path, content in texts.items():
                for constraint in constraints_in(path, content, field_name):
                    edges.append(self._validation(constraint, value, target, stored))
        return edges

    def _validation(
        self, constraint: Constraint, value: Value, target: str, stored: list[tuple[Sink, int]]
    ) -> Edge:
        path, line = constraint.path, constraint.line
        owner = self._scope_at(path, line, "class") if path.endswith((".py", ".pyi")) else ""
        short = owner.rsplit(".", 1)[-1]
        passed = any(s.owner and short and short in s.owner.split(".") for s, _ in stored)
        hops = min(h for _, h in stored)
        module = self.project.modules.module_name(path)
        symbol = ".".join(p for p in (module, owner, constraint.field) if p)
        confidence = EXACT if passed else NAME_ONLY * 2
        return self._edge(path, line, target, hops, confidence,
                          describe(constraint, value.length), symbol)  # fmt: skip

    # -- text search ---------------------------------------------------------------------

    def _containing(self, needles: list[str], words: bool, globs: list[str]) -> list[str]:
        """Files holding any of ``needles``, sources first, capped: ``git grep`` where the
        source can, else the files nearest the change."""
        found: Iterable[str] | None = self.project.source.grep(needles, globs, words=words)
        if found is None:
            near = sorted(self.project.entries, key=lambda p: (-nearness(p, self.project.focus),
                                                               is_test_path(p), p))  # fmt: skip
            near = [p for p in near if not globs or p.endswith(tuple(g[1:] for g in globs))]
            # GitHub: only blobs this or an earlier review already read (no new requests)
            texts = self.project.texts(near[:REMOTE_INDEX_CAP], fetch=False)
            rule = re.compile("|".join((rf"\b{re.escape(n)}\b" if words else re.escape(n))
                                       for n in needles))  # fmt: skip
            found = [p for p, t in texts.items() if rule.search(t)]
        ranked = sorted(found, key=lambda p: (is_test_path(p), p))
        if len(ranked) > MAX_TEXT_FILES:
            self.project.omitted["value search files over the limit"] += (
                len(ranked) - MAX_TEXT_FILES
            )
        return ranked[:MAX_TEXT_FILES]


_KEYWORD = r"(?<![\w=!<>])(\w+)\s*=(?!=)\s*(?:[\w.]+\.)?{name}\b"
_KEY = r"[\"'](\w+)[\"']\s*:\s*(?:[\w.]+\.)?{name}\b"
_OWNER = re.compile(r"([A-Za-z_][\w.]*)\s*\([^()]*$")


def _sinks_on(text: str, name: str, line: int) -> list[Sink]:
    """Fields a use of ``name`` on one source line stores it in: ``f(title=NAME)``,
    ``obj.title = NAME``, ``{"title": NAME}``."""
    sinks = []
    for pattern in (_KEYWORD, _KEY):
        for match in re.finditer(pattern.format(name=re.escape(name)), text):
            owner = _OWNER.search(text[: match.start()])
            sinks.append(Sink(match.group(1), owner.group(1) if owner else None, line))
    return sinks
