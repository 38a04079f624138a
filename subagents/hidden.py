"""Hidden text: what a human reading the diff cannot see, but a compiler or a model can.

Trojan Source (CVE-2021-42574, CVE-2021-42694) reorders code with bidi controls so the
source reads differently from what runs; invisible format characters (zero-width space,
Unicode tag characters) hide text or split an identifier; confusable identifiers (Unicode
TR39) make ``is_admin`` spelled with a Cyrillic ``a`` look like the real one. The
character classes come from the Unicode data (``unicodedata``) and the TR39 confusables
table (``confusable_homoglyphs``), not from a hand-written list.
Every hit names the code point and its 1-based column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from subagents.base import Finding, Severity, fingerprint

if TYPE_CHECKING:
    from reviewer.context import ReviewContext

GATE = "unicode.hidden"
_BIDI = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
_BIDI_MARKS = frozenset({"\u200e", "\u200f", "\u061c"})  # LRM, RLM, ALM (class L/R/AL)
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_CODE = re.compile(
    r"\.(?:py|pyi|js|jsx|mjs|cjs|ts|tsx|go|java|kt|rb|rs|c|h|cc|cpp|hpp|cs|php|swift|scala|sh"
    r"|bash|sql|lua)$"
)
MAX_LINE = 4000


@dataclass(frozen=True)
class Hit:
    """One hidden-text problem: where it is (``path`` None for the PR's own text)."""

    kind: str  # bidi | invisible | confusable
    path: str | None
    line: int | None
    column: int
    detail: str

    @property
    def where(self) -> str:
        if self.path is None:
            return f"the PR text, column {self.column}"
        if self.line is None:
            return f"the file name {self.path!r}, column {self.column}"
        return f"{self.path}:{self.line} column {self.column}"


def _name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}"


def _allowed_format(text: str, index: int) -> bool:
    """Format characters with a visible job: a BOM opening a file, the joiner and
    variation selector inside emoji sequences."""
    char = text[index]
    if char == "\ufeff" and index == 0:
        return True
    if char in "\u200d\ufe0f":
        before = text[index - 1] if index else ""
        return bool(before) and unicodedata.category(before) in ("So", "Sk", "Mn", "Cf")
    return False


def char_hits(text: str, path: str | None, line: int | None) -> list[Hit]:
    """Bidi controls and invisible format characters in one line of text."""
    hits = []
    for index, char in enumerate(text[:MAX_LINE]):
        if ord(char) < 0x80:
            continue
        if unicodedata.bidirectional(char) in _BIDI or char in _BIDI_MARKS:
            hits.append(Hit("bidi", path, line, index + 1, _name(char)))
        elif unicodedata.category(char) == "Cf" and not _allowed_format(text, index):
            hits.append(Hit("invisible", path, line, index + 1, _name(char)))
    return hits


def _lookalike(token: str, whole_word: bool) -> str | None:
    """Why an identifier is confusable, or None: it mixes scripts, or every letter of a
    non-Latin token has a Latin look-alike (TR39 confusables)."""
    if token.isascii():
        return None
    # The TR39 tables take ~30 ms to load: only a change with a non-ASCII word pays for them.
    from confusable_homoglyphs import categories, confusables

    scripts = categories.unique_aliases(token) - {"COMMON", "INHERITED"}
    if len(scripts) > 1:
        return f"mixes scripts ({', '.join(sorted(scripts))})"
    if not whole_word:
        return None
    letters = [c for c in token if not c.isascii() and c.isalpha()]
    found = confusables.is_confusable(token, greedy=True, preferred_aliases=["latin"]) or []
    if len(letters) >= 2 and {h["character"] for h in found} >= set(letters):
        return "every letter has a Latin look-alike"
    return None


def identifier_hits(text: str, path: str, line: int) -> list[Hit]:
    """Identifiers on a line of code that look like other identifiers. A whole word in
    another script counts only when it is the line's one non-ASCII word: a comment or a
    string in Russian is prose, a lone Cyrillic look-alike of
    ``exec`` in ASCII code is a disguise."""
    hits = []
    words = [m for m in _IDENTIFIER.finditer(text[:MAX_LINE]) if not m.group(0).isascii()]
    for match in words:
        why = _lookalike(match.group(0), whole_word=len(words) == 1)
        if why:
            odd = next(c for c in match.group(0) if not c.isascii())
            detail = f"identifier {match.group(0)!r} {why}, e.g. {_name(odd)}"
            hits.append(Hit("confusable", path, line, match.start() + 1, detail))
    return hits


def scan_hidden(ctx: ReviewContext) -> list[Hit]:
    """Every hit in added lines of any file, in file names and in the PR's own text."""
    hits: list[Hit] = []
    for text in (ctx.title, ctx.body or "", *(c.message for c in ctx.commits)):
        for row in text.splitlines() or [""]:
            hits += char_hits(row, None, None)
    for file in ctx.files:
        hits += char_hits(file.path, file.path, None)
        code = bool(_CODE.search(file.path))
        for number, text in file.added_lines():
            hits += char_hits(text, file.path, number)
            if code:
                hits += identifier_hits(text, file.path, number)
    return hits


_TITLES = {
    "bidi": "Hidden bidi control character",
    "invisible": "Invisible character",
    "confusable": "Look-alike identifier",
}
_ADVICE = (
    "Text can read differently from what runs or what a model sees (Trojan Source, "
    "CVE-2021-42574; Unicode TR39). Remove the character, or write it as an escape "
    "(e.g. `\\u202e`) where it is really needed."
)


def findings(hits: list[Hit], subagent: str) -> list[Finding]:
    """One blocker per file line (or one for the PR text), listing every code point."""
    grouped: dict[tuple[str | None, int | None], list[Hit]] = {}
    for hit in hits:
        grouped.setdefault((hit.path, hit.line), []).append(hit)
    out = []
    for (path, line), group in grouped.items():
        listed = "\n".join(f"- column {h.column}: {h.detail}" for h in group[:10])
        kinds = sorted({h.kind for h in group})
        out.append(
            Finding(
                fingerprint=fingerprint(f"{GATE}.{kinds[0]}", path, listed),
                subagent=subagent,
                severity=Severity.blocker,
                path=path,
                start_line=line,
                end_line=line,
                title=_TITLES[kinds[0]] + ("" if path else " in the PR title, body or commits"),
                body=f"{listed}\n\n{_ADVICE}",
                rule_ids=[f"{GATE}.{k}" for k in kinds],
            )
        )
    return out
