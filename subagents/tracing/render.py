"""Render a trace for a reader (a human or a model) inside a token budget.

Edges are taken best-first (the trace is already ranked; ``possible`` ones are marked as
unconfirmed leads), at most three sites per file per changed symbol so one busy test file
cannot crowd out the rest, each shown as the caller's signature and the call line with
two lines either side. Whatever does not fit
is counted, never silently dropped: "+37 more callers of `get` in tests/".
"""

from __future__ import annotations

from collections import Counter, defaultdict

from subagents.tracing.model import Edge, Trace

SITES_PER_FILE = 3
POSSIBLE_NOTE = (
    "Edges are ranked, most certain first. Those marked POSSIBLE are unconfirmed leads "
    "(the receiver's type is unknown, or only a field name matches); the rest were resolved."
)
CHARS_PER_TOKEN = 4
_TITLES = {
    "caller": "callers",
    "callee": "callees",
    "overrider": "overriders",
    "value": "value uses and validations",
}


def _short(symbol: str) -> str:
    return symbol.rsplit(".", 1)[-1]


def _area(path: str) -> str:
    return path.split("/", 1)[0] + "/" if "/" in path else path


def _block(edge: Edge, trace: Trace) -> str:
    where = f"{edge.path}:{edge.line}"
    flag = ", POSSIBLE: unconfirmed" if edge.possible else ""
    via = f" via `{edge.via}`" if edge.via else ""
    lines = [
        f"- {edge.kind} `{edge.symbol}` {where} "
        f"(confidence {edge.confidence:.2f}{flag}, hop {edge.hops}{via})"
    ]
    if edge.note:
        lines.append(f"    {edge.note}")
    if edge.signature:
        lines.append(f"    {edge.signature}")
    if edge.kind == "overrider":
        return "\n".join(lines)
    path, site = (
        (edge.site_path, edge.site_line) if edge.kind == "callee" else (edge.path, edge.line)
    )
    source = trace.snippets.get(path, {})
    if edge.kind == "callee":
        text = source.get(site)
        if text is not None:
            lines.append(f"    called at {path}:{site}: {text.strip()}")
        return "\n".join(lines)
    for number in range(site - 2, site + 3):
        if number in source:
            marker = ">" if number == site else " "
            lines.append(f"    {number:>5}{marker} {source[number]}")
    return "\n".join(lines)


def render_trace(trace: Trace, budget_tokens: int) -> str:
    """The trace as text of at most about ``budget_tokens`` tokens (4 characters each)."""
    budget = max(budget_tokens, 50) * CHARS_PER_TOKEN
    if not trace.changed:
        reasons = ", ".join(f"{k}: {v}" for k, v in trace.omitted.items()) or "no changed symbol"
        return f"No traceable symbol in this change ({reasons})."
    headers = {
        c.symbol: f"## `{c.symbol}` ({c.path}:{c.line})\n    {c.signature}" for c in trace.changed
    }
    used = sum(len(h) + 1 for h in headers.values())
    shown: dict[str, list[str]] = defaultdict(list)
    per_file: Counter[tuple[str, str]] = Counter()
    left: Counter[tuple[str, str, str]] = Counter()
    for edge in trace.edges:
        key = (edge.target, edge.path)
        block = _block(edge, trace) if per_file[key] < SITES_PER_FILE else ""
        if block and used + len(block) + 1 <= budget:
            per_file[key] += 1
            shown[edge.target].append(block)
            used += len(block) + 1
        else:
            left[(edge.target, edge.kind, _area(edge.path))] += 1
    out: list[str] = []
    for symbol, header in headers.items():
        totals = Counter(e.kind for e in trace.edges if e.target == symbol)
        counts = (
            ", ".join(f"{n} {_TITLES[k]}" for k, n in sorted(totals.items())) or "no edges found"
        )
        out.append(f"{header}\n  ({counts})")
        out.extend(shown.get(symbol, []))
        for (target, kind, area), n in sorted(left.items()):
            if target == symbol:
                out.append(f"  +{n} more {_TITLES[kind]} of `{_short(symbol)}` in {area}")
    if any(e.possible for e in trace.edges):
        out.insert(0, POSSIBLE_NOTE)
    notes = [f"{reason}: {n}" for reason, n in sorted(trace.omitted.items())]
    if trace.skipped:
        notes.append(f"files skipped: {len(trace.skipped)}")
    if notes:
        out.append("Not traced: " + "; ".join(notes))
    return "\n".join(out)
