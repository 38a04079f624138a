"""Facts as the cache stores them: one *head* per blob and one row of refs per name.

Worker processes encode what they parse, so the parent stores the rows as they arrive
and decodes only what the trace reads: the heads of candidate files and the rows of the
names it searches for. Finding the callers of ``sympify`` in 700 files then decodes 700
small heads and the ``sympify`` rows, not 300,000 refs.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from subagents.tracing.facts import Bind, Def, FileFacts, Import, Ref

# One encoder, reused: ``json.dumps`` with custom separators builds a new one per call.
_dump = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


class Encoded(NamedTuple):
    """One blob's facts as cache rows: the head, and refs JSON by name."""

    language: str
    head: str
    rows: dict[str, str]


def encode(facts: FileFacts) -> Encoded:
    """Rows for every name ``facts.names()`` holds (``[]`` for a name only defined or
    imported, so the name index answers "who mentions X" for those too)."""
    defs = [(d.name, d.qname, d.kind, d.line, d.end_line, d.signature, d.parent, d.bases,
             d.decorators) for d in facts.defs]  # fmt: skip
    imports = [(i.module, i.name, i.alias, i.star, i.line) for i in facts.imports]
    binds = [(b.scope, b.var, b.type, b.start, b.end) for b in facts.binds]
    head = _dump([facts.language, defs, imports, binds, facts.package, facts.partial, facts.skip,
                  facts.path_edits])  # fmt: skip
    grouped: dict[str, list[tuple[str, str | None, str | None, int]]] = {
        n: [] for n in facts.names()
    }
    for r in facts.refs:
        grouped[r.name].append((r.form, r.receiver, r.scope, r.line))
    return Encoded(facts.language, head, {n: _dump(rows) for n, rows in grouped.items()})


def decode_head(text: str, refs: list[Ref] | None = None) -> FileFacts:
    """A head from its row; with ``refs`` (every ref of the blob), the whole facts."""
    lang, defs, imports, binds, package, partial, skip, path_edits = json.loads(text)
    return FileFacts(
        lang,
        [Def(d[0], d[1], d[2], d[3], d[4], d[5], d[6], tuple(d[7]), tuple(d[8])) for d in defs],
        refs if refs is not None else [],
        [Import(*i) for i in imports],
        [Bind(*b) for b in binds],
        package,
        partial,
        skip,
        path_edits,
        has_refs=refs is not None,
    )


def refs_from_row(name: str, text: str) -> list[Ref]:
    """The refs of one per-name row."""
    return [Ref(name, *row) for row in json.loads(text)]


def decode(encoded: Encoded, *, whole: bool = True) -> FileFacts:
    """Facts back from their rows: whole, or only the head."""
    if not whole:
        return decode_head(encoded.head)
    refs = [r for name, text in encoded.rows.items() for r in refs_from_row(name, text)]
    refs.sort(key=lambda r: (r.line, r.name))
    return decode_head(encoded.head, refs)
