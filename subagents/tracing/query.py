"""The query API: from a diff (or one named symbol) to a ranked, budget-ready ``Trace``.

Diff hunks name the touched lines; the innermost definition around each touched line
is a changed symbol; the tracer walks callers, callees and overriders two hops out;
edges are ranked by confidence x hop decay x source-over-tests, and the source lines the
renderer needs are read for the top of the ranking only.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from contextlib import closing
from typing import TYPE_CHECKING

from reviewer.errors import ReviewerError
from subagents.base import Finding
from subagents.tracing.cache import FactCache
from subagents.tracing.flows import ValueTracer
from subagents.tracing.graph import Node, Tracer
from subagents.tracing.languages import is_test_path
from subagents.tracing.model import ChangedSymbol, Edge, FileChange, Skip, Trace
from subagents.tracing.project import Project
from subagents.tracing.resolve import Sym
from subagents.tracing.settings import trace_settings
from subagents.tracing.source import GitTreeSource, TreeSource
from subagents.tracing.values import MAX_VALUES, Value, changed_values

if TYPE_CHECKING:
    from reviewer.context import ReviewContext

MAX_CHANGED = 40
MAX_SKIPPED_LISTED = 200
SNIPPET_EDGES = 80
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def touched_lines(patch: str, *, deletions: bool = True) -> set[int]:
    """Head-side lines a patch adds, plus (with ``deletions``) the lines either side of a
    deletion."""
    touched: set[int] = set()
    new = 0
    for raw in patch.splitlines():
        match = _HUNK.match(raw)
        if match:
            new = int(match.group(1))
        elif raw.startswith("+"):
            touched.add(new)
            new += 1
        elif raw.startswith("-"):
            touched.update({max(new - 1, 1), new} if deletions else ())
        elif not raw.startswith("\\"):
            new += 1
    return touched


def changed_symbols(tracer: Tracer, files: Iterable[FileChange]) -> list[Sym]:
    """The innermost definition around every touched line of every traceable file."""
    found: list[Sym] = []
    project = tracer.project
    for change in files:
        if change.status == "removed":
            continue
        if change.binary:
            project.skipped[change.path] = "binary"
            continue
        facts = project.facts(change.path)
        if facts is None or not change.patch:
            continue
        defs = sorted(facts.defs, key=lambda d: (d.line, -d.end_line))
        for line in sorted(touched_lines(change.patch)):
            inner = [d for d in defs if d.line <= line <= d.end_line]
            if inner:
                sym = Sym(change.path, max(inner, key=lambda d: d.line).qname)
                if sym not in found:
                    found.append(sym)
    if len(found) > MAX_CHANGED:
        project.omitted["changed symbols over the limit"] += len(found) - MAX_CHANGED
    return found[:MAX_CHANGED]


def find_symbol(tracer: Tracer, symbol: str) -> list[Sym]:
    """Definitions named by a dotted ``module.Class.method`` (a module suffix is enough)."""
    parts = symbol.split(".")
    modules = tracer.project.modules
    names = {
        path: modules.aliases(path) | {name} if modules.files[path] == "python" else {name}
        for path, name in modules.names.items()
    }
    hits: list[Sym] = []
    for split in range(len(parts) - 1, 0, -1):
        module, qname = ".".join(parts[:split]), ".".join(parts[split:])
        for path, known in names.items():
            named = any(n == module or n.endswith("." + module) for n in known)
            if named and qname in tracer.resolver.defs(path):
                hits.append(Sym(path, qname))
        if hits:
            return hits
    raise ReviewerError(f"no definition named {symbol!r} in the repository")


def _nodes(tracer: Tracer, roots: list[Sym]) -> list[Node]:
    return [Node(sym, tracer.qualified(sym), 1.0) for sym in roots]


def _score(edge: Edge) -> float:
    return (
        edge.confidence
        * (1.0 if edge.hops == 1 or edge.kind == "value" else 0.5)
        * (0.6 if is_test_path(edge.path) else 1.0)
    )


def _finish(
    tracer: Tracer, roots: list[Sym], edges: list[Edge], values: Iterable[Value] = ()
) -> Trace:
    project = tracer.project
    for edge in edges:
        edge.score = round(_score(edge), 4)
    edges.sort(key=lambda e: (-e.score, e.kind, e.path, e.line))
    changed = []
    for sym in roots:
        d = tracer.resolver.definition(sym)
        if d is not None:
            changed.append(
                ChangedSymbol(symbol=tracer.qualified(sym), path=sym.path, line=d.line,
                              signature=d.signature)
            )  # fmt: skip
    named = {c.symbol for c in changed}
    for value in values:
        symbol = tracer.qualified(Sym(value.path, value.scope))
        if symbol not in named:
            named.add(symbol)
            changed.append(ChangedSymbol(symbol=symbol, path=value.path, line=value.line,
                                         signature=value.signature))  # fmt: skip
    wanted: dict[str, set[int]] = defaultdict(set)
    for edge in edges[:SNIPPET_EDGES]:
        path, line = (
            (edge.site_path, edge.site_line) if edge.kind == "callee" else (edge.path, edge.line)
        )
        if edge.kind != "overrider":
            wanted[path].update(range(max(line - 2, 1), line + 3))
    snippets = project.lines(wanted)
    omitted = dict(tracer.omitted + project.omitted)
    edits = sum(1 for f in {**project.head_memo, **project.memo}.values() if f.path_edits)
    if edits:
        omitted["sys.path edits not followed"] = edits
    skipped = [Skip(path=p, reason=r) for p, r in sorted(project.skipped.items())]
    if len(skipped) > MAX_SKIPPED_LISTED:
        omitted["skipped files not listed"] = len(skipped) - MAX_SKIPPED_LISTED
        skipped = skipped[:MAX_SKIPPED_LISTED]
    if not project.modules.files:
        omitted["no supported language in the repository"] = 1
    stats = {"files_parsed": project.parsed, "blobs_fetched": project.fetched,
             "files_in_tree": len(project.entries)}  # fmt: skip
    return Trace(changed=changed, edges=edges, omitted=omitted, skipped=skipped,
                 snippets=snippets, stats=stats)  # fmt: skip


def _cache(cache: FactCache | bool | None) -> FactCache | None:
    if cache is False:
        return None
    if isinstance(cache, FactCache):
        return cache
    try:
        return FactCache()
    except OSError:
        return None  # a read-only home: trace without a cache rather than not at all


def analyse_change(
    source: TreeSource,
    files: Iterable[FileChange],
    cache: FactCache | bool | None = None,
    *,
    workers: int | None = None,
) -> tuple[Trace, list[Finding]]:
    """The trace of a change and the deterministic findings it supports."""
    files = list(files)
    paths = [f.path for f in files if f.status != "removed"]
    with closing(Project(source, _cache(cache), workers=workers, prefetch=paths)) as project:
        project.deadline = time.monotonic() + time_budget()
        return _analyse(project, files)


def _analyse(project: Project, files: list[FileChange]) -> tuple[Trace, list[Finding]]:
    from subagents.tracing.removed import dangling_imports

    project.focus = tuple(f.path for f in files)
    for change in files:
        entry = project.entries.get(change.path)
        if entry is not None and change.status != "removed":
            reason = project.refusal(entry)
            if reason:
                project.skipped[change.path] = reason
    # Read every changed file in one go: a remote source batches the reads.
    project.load([c.path for c in files if c.status != "removed"])
    tracer = Tracer(project)
    roots = changed_symbols(tracer, files)
    edges = tracer.trace(_nodes(tracer, roots))
    values = values_of(project, files)
    edges += ValueTracer(tracer).edges(values)
    trace = _finish(tracer, roots, edges, values)
    return trace, dangling_imports(tracer, files, "tracing")


def values_of(project: Project, files: list[FileChange]) -> list[Value]:
    """The values (literals, constants, members) on the touched lines of changed Python files."""
    found: list[Value] = []
    for change in files:
        if change.status == "removed" or not change.patch or change.path in project.skipped:
            continue
        if project.modules.files.get(change.path) != "python":
            continue
        text = project.texts([change.path]).get(change.path)
        if text is not None:
            removed = [raw[1:] for raw in change.patch.splitlines()
                       if raw.startswith("-") and not raw.startswith("---")]  # fmt: skip
            added = touched_lines(change.patch, deletions=False)
            found += changed_values(change.path, text.encode(), added, removed)
    return found[:MAX_VALUES]


def time_budget() -> float:
    """Seconds a change's trace may spend reading candidate callers
    (``REVIEWER_TRACE_TIME_BUDGET_SECONDS``, default 2.0, so a cold review stays fast even
    for a name used all over a large repository); what is left unread is counted in the
    trace's ``omitted``."""
    return trace_settings().time_budget_seconds


def trace_change(
    source: TreeSource,
    files: Iterable[FileChange],
    cache: FactCache | bool | None = None,
    *,
    workers: int | None = None,
) -> Trace:
    """Trace every symbol the changed ``files`` touch, in the tree ``source`` serves."""
    return analyse_change(source, files, cache, workers=workers)[0]


def trace_symbol(
    source: TreeSource,
    symbol: str,
    cache: FactCache | bool | None = None,
    *,
    workers: int | None = None,
) -> Trace:
    """Callers, callees and overriders of one named symbol."""
    with closing(Project(source, _cache(cache), workers=workers)) as project:
        tracer = Tracer(project)
        roots = find_symbol(tracer, symbol)
        return _finish(tracer, roots, tracer.trace(_nodes(tracer, roots)))


_MEMO: OrderedDict[tuple[object, ...], tuple[Trace, list[Finding]]] = OrderedDict()
_MEMO_LOCK = threading.Lock()
_KEY_LOCKS: dict[tuple[object, ...], threading.Lock] = {}


def analyse_context(ctx: ReviewContext) -> tuple[Trace, list[Finding]]:
    """``analyse_change`` for a review, computed once per context even when the sub-agent
    and the model prefix ask for it concurrently."""
    source: TreeSource | None = getattr(ctx, "tree", None)
    key = (ctx.repo, ctx.base_sha, ctx.head_sha, ctx.local_path, id(source),
           tuple((f.path, f.patch) for f in ctx.files))  # fmt: skip
    with _MEMO_LOCK:
        lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with lock:
        with _MEMO_LOCK:
            if key in _MEMO:
                _MEMO.move_to_end(key)
                return _MEMO[key]
        if source is None and ctx.local_path:
            source = GitTreeSource(ctx.local_path, ctx.head_sha)
        if source is None:
            result: tuple[Trace, list[Finding]] = (
                Trace(omitted={"no repository tree available": 1}),
                [],
            )
        else:
            result = analyse_change(source, ctx.files)
        with _MEMO_LOCK:
            _MEMO[key] = result
            while len(_MEMO) > 4:
                old, _ = _MEMO.popitem(last=False)
                _KEY_LOCKS.pop(old, None)
        return result


def trace_for_context(ctx: ReviewContext, budget_tokens: int) -> Trace:
    """The trace of a review's change, for the tracing sub-agent and its model part.

    ``budget_tokens`` bounds only rendering (``render_trace``); the trace keeps every
    edge so a caller can re-render with another budget.
    """
    return analyse_context(ctx)[0]
