"""Per-file facts: definitions, references, imports and type bindings of one blob.

Facts depend only on the blob's bytes and the language, so they are cached by git blob
SHA and a re-review after a push re-parses only the blobs that changed. Extraction is
driven by the ``.scm`` queries; the code here only turns captures into plain records,
works out each record's enclosing definition, and refuses input it should not parse.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any

import tree_sitter as ts

from subagents.tracing import languages
from subagents.tracing.refusal import error_fraction, refuse

FACTS_VERSION = 8
MAX_TEXT = 120
# Pseudo-variables of a function's binds: the type its result is an instance of (an
# annotation, a returned call) or the expression whose value it returns.
RETURNS, RETURNS_VALUE = "return", "return:value"
_PATH_EDITS = frozenset({"insert", "append", "extend"})
_FORM_RANK = {"call": 0, "decorator": 1, "attribute": 2, "value": 3}
# Functions without a name of their own (callbacks): the bindings inside hold only there.
_CLOSURES = frozenset({"arrow_function", "function_expression", "function", "lambda"})
# Member access: a receiver's shape is rebuilt from its parts, so the arguments of calls
# inside it are dropped (``z.object({...}).shape`` -> ``z.object().shape``).
_MEMBER_FIELDS = {
    "member_expression": ("object", "property"),
    "attribute": ("object", "attribute"),
    "selector_expression": ("operand", "field"),
}
_TRANSPARENT = frozenset({"non_null_expression", "parenthesized_expression"})


@dataclass(frozen=True, slots=True)
class Def:
    name: str
    qname: str  # within the module: ``Class.method``
    kind: str  # function | method | class | namespace (TypeScript's)
    line: int
    end_line: int
    signature: str
    parent: str | None = None  # qname of the enclosing definition
    bases: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ref:
    name: str
    form: str  # call | decorator | attribute | value
    receiver: str | None
    scope: str | None  # qname of the innermost enclosing definition
    line: int


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # as written: ``..pkg.mod``, ``./util``, ``github.com/x/y``, ``a.b``
    name: str | None  # None: the module itself is bound
    alias: str | None
    star: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class Bind:
    """``var`` has type ``type`` in ``scope`` (an instance of what calling ``type`` gives;
    ``=expr``: the value ``expr`` itself); inside an anonymous function (a callback) only
    within its lines ``start``-``end``, else (0, 0) in the whole scope."""

    scope: str | None
    var: str
    type: str
    start: int = 0
    end: int = 0


@dataclass(slots=True)
class FileFacts:
    language: str
    defs: list[Def] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    binds: list[Bind] = field(default_factory=list)
    package: str | None = None
    partial: bool = False  # parsed with errors; the facts cover what did parse
    skip: str | None = None  # why the file was not parsed; everything else is empty
    path_edits: int = 0  # ``sys.path.insert(...)`` and the like: imports the map cannot follow

    has_refs: bool = True  # False for a head: defs, imports and binds, loaded without refs

    def names(self) -> set[str]:
        """Every identifier the facts mention: what the name index answers ``git grep`` with.

        An aliased import names both sides, so ``from m import f as g`` is found for ``f``.
        """
        found = {d.name for d in self.defs} | {r.name for r in self.refs}
        for i in self.imports:
            found.update(n for n in (i.alias, i.name) if n)
            if not i.name:
                found.add(i.module.rstrip("/").replace("/", ".").rsplit(".", 1)[-1])
        found.discard("")
        return found

    def head(self) -> FileFacts:
        """These facts without their refs: all that resolving a name in the file needs."""
        return replace(self, refs=[], has_refs=False)

    def named(self, names: set[str]) -> FileFacts:
        """These facts with only the refs named ``names``."""
        return replace(self, refs=[r for r in self.refs if r.name in names])


def skipped(language: str, reason: str) -> FileFacts:
    return FileFacts(language, skip=reason)


def _text(node: ts.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def receiver_text(node: ts.Node) -> str:
    """A receiver as its shape: arguments of calls dropped, whitespace removed, capped."""
    func = node.child_by_field_name("function")
    if func is not None and node.type in {"call", "call_expression"}:
        return receiver_text(func) + "()"
    if node.type in {"new_expression", "object_creation_expression"}:
        ctor = node.child_by_field_name("constructor") or node.child_by_field_name("type")
        return (receiver_text(ctor) + "()") if ctor is not None else "()"
    if node.type in _TRANSPARENT and node.named_child_count == 1:
        return receiver_text(node.named_children[0])
    fields = _MEMBER_FIELDS.get(node.type)
    obj = node.child_by_field_name(fields[0]) if fields else None
    prop = node.child_by_field_name(fields[1]) if fields else None
    if obj is not None and prop is not None:
        return f"{receiver_text(obj)}.{_text(prop)}"[:MAX_TEXT]
    return "".join(_text(node).split())[:MAX_TEXT]


def extract(language: str, data: bytes) -> FileFacts:
    """The facts of one blob; refuses binary, oversized, minified and unparsable input."""
    reason = refuse(data)
    if reason:
        return skipped(language, reason)
    tree = languages.parser(language).parse(data)
    if error_fraction(tree.root_node) > 0.3:
        return skipped(language, "unparsable")
    lines = data.split(b"\n")
    matches = ts.QueryCursor(languages.query(language)).matches(tree.root_node)
    return _Builder(language, lines, tree.root_node.has_error).build(matches)


class _Builder:
    """Turns query matches into facts; definitions first, so scopes can be assigned."""

    def __init__(self, language: str, lines: list[bytes], partial: bool) -> None:
        self.facts = FileFacts(language, partial=partial)
        self.lines = lines
        self.spans: list[tuple[int, int, str]] = []  # (start, end, qname) sorted by start
        self.aliases: list[tuple[str | None, str, str]] = []  # (scope, self.x, name)
        self.starts: list[int] = []
        self.def_nodes: set[int] = set()  # start bytes of the definitions' nodes

    def build(self, matches: list[tuple[int, dict[str, list[ts.Node]]]]) -> FileFacts:
        defs: dict[int, tuple[ts.Node, dict[str, list[ts.Node]]]] = {}
        decorators: dict[int, list[str]] = {}
        kinds = [_kind(self.facts.language, index, caps) for index, caps in matches]
        for (_, caps), kind in zip(matches, kinds, strict=True):
            if kind.startswith("definition."):
                node = caps[kind][0]
                known = defs.setdefault(node.start_byte, (node, {}))[1]
                for key, nodes in caps.items():
                    known.setdefault(key, []).extend(
                        n for n in nodes if n not in known.get(key, [])
                    )
            elif kind == "decorated":
                target = caps["decorated"][0]
                inner = target.child_by_field_name("definition") or target
                decorators.setdefault(inner.start_byte, []).extend(
                    receiver_text(n).removesuffix("()") for n in caps["decorator"]
                )
            elif kind in _MARKERS:  # a getter is read like a Python property
                decorators.setdefault(caps[kind][0].start_byte, []).append(_MARKERS[kind])
            elif kind == "package":
                self.facts.package = _text(caps["package"][0])
        self._defs(defs, decorators)
        refs: dict[int, Ref] = {}
        for (_, caps), kind in zip(matches, kinds, strict=True):
            self._other(kind, caps, refs)
        self.facts.refs = sorted(refs.values(), key=attrgetter("line", "name"))
        typed = {(b.scope, b.var): b.type for b in self.facts.binds if b.type}
        self.facts.binds += [
            Bind(scope, var, typed[(scope, name)])
            for scope, var, name in self.aliases
            if (scope, name) in typed
        ]
        return self.facts

    def _scope(self, node: ts.Node) -> str | None:
        """The innermost definition whose span holds ``node`` (spans nest; none overlap)."""
        index = bisect.bisect_right(self.starts, node.start_byte) - 1
        while index >= 0:
            start, end, qname = self.spans[index]
            if start <= node.start_byte and node.end_byte <= end and start != node.start_byte:
                return qname
            index -= 1
        return None

    def _closure(self, node: ts.Node) -> tuple[int, int]:
        """Lines of the innermost anonymous function holding ``node`` inside its scope
        (a callback), or (0, 0)."""
        parent = node.parent
        while parent is not None and parent.start_byte not in self.def_nodes:
            if parent.type in _CLOSURES and (
                parent.parent is None or parent.parent.start_byte not in self.def_nodes
            ):
                return parent.start_point[0] + 1, parent.end_point[0] + 1
            parent = parent.parent
        return 0, 0

    def _defs(self, found: dict[int, Any], decorators: dict[int, list[str]]) -> None:
        by_qname: dict[str, Def] = {}
        for start in sorted(found):
            node, caps = found[start]
            kind = next(k for k in caps if k.startswith("definition.")).split(".", 1)[1]
            name = _text(caps["name"][0])
            parent = _text(caps["parent"][0]).lstrip("*") if "parent" in caps else self._scope(node)
            parent_def = by_qname.get(parent) if parent else None
            if kind == "function" and (
                (parent_def is not None and parent_def.kind == "class") or "parent" in caps
            ):
                kind = "method"
            qname = f"{parent}.{name}" if parent else name
            row = node.start_point[0]
            signature = self.lines[row].decode("utf-8", "replace").strip()[:200]
            definition = Def(
                name, qname, kind, row + 1, node.end_point[0] + 1, signature, parent,
                tuple(receiver_text(b) for b in caps.get("base", [])),
                tuple(decorators.get(start, ())),
            )  # fmt: skip
            by_qname.setdefault(qname, definition)
            self.facts.defs.append(definition)
            self.spans.append((node.start_byte, node.end_byte, qname))
            self.starts.append(node.start_byte)
            self.def_nodes.add(node.start_byte)
        order = sorted(range(len(self.spans)), key=lambda i: self.starts[i])
        self.spans = [self.spans[i] for i in order]
        self.starts = [s[0] for s in self.spans]

    def _other(self, key: str, caps: dict[str, list[ts.Node]], refs: dict[int, Ref]) -> None:
        if key.startswith("reference."):
            form = key[10:]
            name_node = caps["name"][0]
            old = refs.get(name_node.start_byte)
            if old is not None and _FORM_RANK[old.form] <= _FORM_RANK[form]:
                return
            receiver = caps.get("receiver")
            if form == "call" and receiver and _text(receiver[0]) == "sys.path":
                self.facts.path_edits += _text(name_node) in _PATH_EDITS
            refs[name_node.start_byte] = Ref(
                _text(name_node), form, receiver_text(receiver[0]) if receiver else None,
                self._scope(name_node), name_node.start_point[0] + 1,
            )  # fmt: skip
        elif key.startswith("import."):
            self.facts.imports.append(_import(key, caps))
        elif key == "returns":
            node = (caps.get("type") or caps["value"])[0]
            var = RETURNS if "type" in caps else RETURNS_VALUE
            if self._closure(node) == (0, 0):  # a callback's return is not the function's
                text = receiver_text(node).lstrip("*&")  # Go: ``*Node`` is a ``Node``
                self.facts.binds.append(Bind(self._scope(node), var, text))
        elif key == "alias":
            node = caps["var"][0]
            self.aliases.append((self._scope(node), receiver_text(node), _text(caps["value"][0])))
        elif key == "bind":
            if "type" in caps:
                text = receiver_text(caps["type"][0]).lstrip("*&")
            else:
                text = "=" + receiver_text(caps["value"][0]) if "value" in caps else ""
            self.facts.binds.append(
                Bind(self._scope(caps[key][0]), receiver_text(caps["var"][0]), text,
                     *self._closure(caps["var"][0]))
            )  # fmt: skip


_KINDS: dict[tuple[str, int], str] = {}
_KIND_PREFIXES = ("definition.", "reference.", "import.")
# Captures that mark a definition as if it were decorated so.
_MARKERS = {"getter": "property", "abstract": "abstract"}
_OTHER_KINDS = ("decorated", *_MARKERS, "package", "bind", "returns", "alias")


def _kind(language: str, index: int, caps: dict[str, list[ts.Node]]) -> str:
    """What a query pattern captures (the same for every match of it), found once."""
    key = (language, index)
    kind = _KINDS.get(key)
    if kind is None:
        kind = next((k for k in caps if k.startswith(_KIND_PREFIXES)), "")
        kind = kind or next((k for k in _OTHER_KINDS if k in caps), "")
        _KINDS[key] = kind
    return kind


def _import(key: str, caps: dict[str, list[ts.Node]]) -> Import:
    module = "".join(_text(caps["module"][0]).split()).strip("'\"`") if "module" in caps else ""
    name = _text(caps["name"][0]) if "name" in caps else None
    alias = _text(caps["alias"][0]) if "alias" in caps else None
    if key == "import.default":  # ``import d from "./m"`` binds m's default export
        name = "default"
    elif key == "import.export_default":  # ``export default f``: a local alias
        module, alias = "", "default"
    line = caps[key][0].start_point[0] + 1
    return Import(module, name, alias, star=key == "import.star", line=line)
