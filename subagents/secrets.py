"""Secret detection, masking and ``redact``: the one place that knows what a secret looks like.

Two independent, maintained detectors run on the same text and their hits are merged:
gitleaks' rule set (shipped as data, ``subagents/gitleaks.py``) and detect-secrets'
plugins (``subagents/secret_plugins.py``). Each covers formats the other misses, and
neither is a list we have to keep up to date by hand.

On top of both we drop placeholders (``AKIAXXXXXXXXXXXXXXXX``, ``your-api-key-here``,
documentation example keys): a blocker on a placeholder teaches people to ignore
blockers. Keyword-style hits (``password = "..."``) must also look like a credential
(long enough, mixed characters), because for them the name is the only evidence.

The safety specialist turns hits on added lines into blocker findings; ``redact`` masks
the same hits in any text (a diff, a description, a log line) before it reaches a model
or a log. A secret is never repeated in full: messages show a masked form such as
``AKIA************2WMT``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from subagents import gitleaks, secret_plugins
from subagents.gitleaks import shannon_entropy

_PLACEHOLDER = re.compile(
    r"example|sample|dummy|fake|placeholder|changeme|change_me|your[-_]|xxxx|redacted|\*{4}"
    r"|\.\.\.|<[^>]*>|\$\{|\{\{|%\(|insert[-_]|replace[-_]?me",
    re.I,
)
_GENERIC_WORDS = re.compile(r"password|passwd|secret|token|test|todo|none|null|undefined", re.I)
_NAME_LIKE = re.compile(r"^[A-Za-z_./ -]+$")
_PUBLIC_PREFIX = re.compile(
    r"^(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AIza|SG\.|[A-Za-z0-9]{1,8}(?:[_-][A-Za-z0-9]{1,8}){0,2}[_-])"
)
_PEM_HEADER_END = re.compile(r"PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[A-Z0-9 _-]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PEM_BODY = re.compile(r"(?:(?:\r?\n|(?:\\r)?\\n)[+ ]?(?:[A-Za-z0-9/+=:-]{16,}|[A-Za-z-]+: .*))*")
_TOKEN_TAIL = re.compile(r"[\w-]*")
PRIVATE_KEY_RULES = frozenset({"private-key", "ds-private-key"})


def mask(secret: str, keep: int = 0, show_tail: bool = True) -> str:
    """An AWS key id becomes ``AKIA************2WMT``.

    Only a public prefix (``ghp_``, ``sk_live_``) and, for long random tokens, the last four
    characters stay visible, enough to find the key in a provider's console; short and
    free-form secrets are masked entirely, and long ones at most 16 stars.
    """
    hidden = len(secret) - keep
    tail = 4 if show_tail and hidden >= 16 else 0
    stars = "*" * min(hidden - tail, 16)
    return secret[:keep] + stars + (secret[len(secret) - tail :] if tail else "")


@dataclass(frozen=True)
class SecretHit:
    """One secret: its span in the text, its mask, and the masked line for messages.

    ``rule_id`` is the most specific rule that found it; ``detectors`` names every
    detector that agreed (``gitleaks:aws-access-token``, ``detect-secrets:AWSKeyDetector``).
    """

    rule_id: str
    title: str
    start: int
    end: int
    masked: str
    shown: str
    detectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    rule_id: str
    title: str
    detector: str
    generic: bool


def _plausible(secret: str, generic: bool) -> bool:
    """False for placeholders; for keyword hits, also for values that do not look random."""
    body = secret[len(m.group(0)) :] if (m := _PUBLIC_PREFIX.match(secret)) else secret
    if _PLACEHOLDER.search(secret) or len(set(body)) <= 2:
        return False
    if not generic:
        return True
    if secret_plugins.looks_like_a_non_secret(secret):
        return False
    if len(secret) < 8 or "://" in secret or _GENERIC_WORDS.search(secret):
        return False
    if _NAME_LIKE.match(secret):  # letters and separators only: a name or a path
        return False
    classes = sum(
        bool(re.search(p, secret)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    return classes >= 2 and shannon_entropy(secret) >= 3.0


def _candidates(text: str, path: str | None) -> list[_Candidate]:
    found = [
        _Candidate(h.start, h.end, h.rule.id, h.rule.description, f"gitleaks:{h.rule.id}",
                   h.rule.generic)
        for h in gitleaks.scan(text, path)
    ]  # fmt: skip
    offset = 0
    for line in text.split("\n"):
        for p in secret_plugins.scan_line(line, path):
            found.append(_Candidate(offset + p.start, offset + p.end, p.rule_id, p.title,
                                    f"detect-secrets:{p.plugin}", p.generic))  # fmt: skip
        offset += len(line) + 1
    return [c for c in found if _keep(c, text)]


def _keep(c: _Candidate, text: str) -> bool:
    if c.rule_id in PRIVATE_KEY_RULES:  # PEM armour, not prose that mentions a key
        return text.startswith("-----", max(c.start - 5, 0)) or text[c.start :].startswith("---")
    return _plausible(text[c.start : c.end], c.generic)


def _pem_span(text: str, start: int) -> tuple[int, int]:
    """A private key's secret part: everything after its header up to ``-----END ...``."""
    header = _PEM_HEADER_END.search(text, start)
    body_start = header.end() if header else start
    end = _PEM_END.search(text, body_start)
    if end and "-----BEGIN" not in text[body_start : end.start()]:
        return body_start, end.end()
    run = _PEM_BODY.match(text, body_start)
    return body_start, run.end() if run else body_start


def _rank(c: _Candidate) -> tuple[int, int]:
    """Most specific first: provider formats over keyword hits, gitleaks ids on ties."""
    return (1 if c.generic else 0, 0 if c.detector.startswith("gitleaks:") else 1)


def _merge(cands: list[_Candidate], text: str) -> list[tuple[int, int, list[_Candidate]]]:
    """Overlapping hits become one, with the union of their spans."""
    groups: list[tuple[int, int, list[_Candidate]]] = []
    for c in sorted(cands, key=lambda c: (c.start, -c.end)):
        start, end = c.start, c.end
        if c.rule_id in PRIVATE_KEY_RULES:
            start, end = _pem_span(text, c.start)
        elif not c.generic and (tail := _TOKEN_TAIL.match(text, end)):
            end = tail.end()  # a format matched a prefix of a longer token: mask all of it
        if groups and start < groups[-1][1]:
            g_start, g_end, members = groups[-1]
            groups[-1] = (min(g_start, start), max(g_end, end), [*members, c])
        else:
            groups.append((start, end, [c]))
    return groups


def _shown(text: str, hits: list[SecretHit], hit: SecretHit) -> str:
    """The hit's first line with every secret on it masked, at most 120 characters."""
    line_start = text.rfind("\n", 0, hit.start) + 1
    line_end = text.find("\n", hit.start)
    line_end = len(text) if line_end < 0 else line_end
    out, last = [], line_start
    for other in hits:
        if other.end > line_start and other.start < line_end:
            out += [text[last : max(other.start, last)], other.masked]
            last = max(last, other.end)
    out.append(text[last:line_end] if last < line_end else "")
    return "".join(out).strip()[:120]


def find_secrets(text: str, path: str | None = None) -> list[SecretHit]:
    """Every secret in ``text``, non-overlapping, in order; ``path`` enables path rules."""
    hits: list[SecretHit] = []
    for start, end, members in _merge(_candidates(text, path), text):
        best = min(members, key=_rank)
        secret = text[start:end]
        prefix = _PUBLIC_PREFIX.match(secret) if not best.generic else None
        keep = len(prefix.group(0)) if prefix and len(prefix.group(0)) * 3 <= len(secret) else 0
        pem = best.rule_id in PRIVATE_KEY_RULES or "\n" in secret
        masked = mask(secret, keep, show_tail=not (best.generic or pem))
        detectors = tuple(sorted({m.detector for m in members}))
        hits.append(SecretHit(best.rule_id, best.title, start, end, masked, "", detectors))
    return [
        SecretHit(h.rule_id, h.title, h.start, h.end, h.masked, _shown(text, hits, h), h.detectors)
        for h in hits
    ]


def redact(text: str, path: str | None = None) -> str:
    """Mask every secret either detector finds in ``text``; call before a model or a log."""
    out, last = [], 0
    for hit in find_secrets(text, path):
        out += [text[last : hit.start], hit.masked]
        last = hit.end
    return "".join([*out, text[last:]])
