"""Secret formats, masking and ``redact``: the one place that knows what a secret looks like.

The safety specialist turns hits on added lines into blocker findings; ``redact`` masks the
same patterns in any text (a diff, a description, a log line) before it reaches a model or
a log. A secret is never repeated in full: messages show a masked form such as
``AKIA************MPLE``. The panel issue replaces the hand-written list with
detect-secrets and gitleaks' rules behind the same functions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class SecretRule:
    """A secret format; ``group`` is the secret itself, ``keep`` its public prefix length."""

    id: str
    title: str
    pattern: re.Pattern[str]
    group: int = 0
    keep: int = 0
    show_tail: bool = True


SECRET_RULES: tuple[SecretRule, ...] = (
    SecretRule("aws-access-key-id", "AWS access key id",
               re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])"), keep=4),
    SecretRule("aws-secret-access-key", "AWS secret access key",
               re.compile(r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*(?:=|:=|:|=>)\s*[\"']?"
                          r"([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"), group=1, show_tail=False),
    SecretRule("private-key", "private key",
               re.compile(r"-----BEGIN[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----"
                          r"((?:[\s\S]*?-----END[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----"
                          r"|(?:(?:\n|\\n)[+ ]?[A-Za-z0-9/+=]{16,})*))"), group=1, show_tail=False),
    SecretRule("github-token", "GitHub token",
               re.compile(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])"),
               keep=4),
    SecretRule("github-fine-grained-token", "GitHub fine-grained token",
               re.compile(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{50,255}"), keep=11),
    SecretRule("slack-token", "Slack token",
               re.compile(r"(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9-]{10,250}"), keep=5),
    SecretRule("stripe-live-key", "Stripe live secret key",
               re.compile(r"(?<![A-Za-z0-9])[sr]k_live_[A-Za-z0-9]{20,247}"), keep=8),
    SecretRule("google-api-key", "Google API key",
               re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"), keep=4),
)  # fmt: skip

GENERIC_ASSIGNMENT = re.compile(
    r"(?i)(?<![A-Za-z0-9])([A-Za-z0-9_.-]{0,40}?(?:password|passwd|secret|api[_-]?key|apikey"
    r"|token|access[_-]?key|auth[_-]?key|private[_-]?key)[A-Za-z0-9_.-]{0,40}?)[\"']?"
    r"\s*(?:=|:=|:|=>)\s*([\"'])([^\"'\s]{8,200})\2"
)
_PLACEHOLDER = re.compile(
    r"example|sample|dummy|fake|placeholder|changeme|change_me|your|xxx|\*\*\*|\.\.\.|<|>"
    r"|\{|%\(|%s|redacted|secret|password|token|test|todo|replace|insert|none|null",
    re.I,
)
_NOT_A_SECRET_NAME = re.compile(
    r"(?:url|uri|path|file|dir|name|type|header|field|prefix|env|var|len|length|id|count)$", re.I
)


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _is_generic_secret(name: str, value: str) -> bool:
    """A literal that looks like a real credential, not a placeholder or a config name."""
    if _NOT_A_SECRET_NAME.search(name) or "://" in value or _PLACEHOLDER.search(value):
        return False
    classes = sum(
        bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    return classes >= 2 and _entropy(value) >= 3.0


def mask(secret: str, keep: int = 0, show_tail: bool = True) -> str:
    """An AWS key id becomes ``AKIA************MPLE``.

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
    """One secret: its span in the text, its mask, and the masked match for messages."""

    rule_id: str
    title: str
    start: int
    end: int
    masked: str
    shown: str


def _hit(rule_id: str, title: str, m: re.Match[str], group: int, masked: str) -> SecretHit:
    start, end = m.span(group)
    whole = m.group(0)
    shown = whole[: start - m.start()] + masked + whole[end - m.start() :]
    return SecretHit(rule_id, title, start, end, masked, shown.splitlines()[0][:120])


def find_secrets(text: str) -> list[SecretHit]:
    """Every secret in ``text``, non-overlapping, first match wins."""
    hits: list[SecretHit] = []
    for rule in SECRET_RULES:
        for m in rule.pattern.finditer(text):
            masked = mask(m.group(rule.group), rule.keep, rule.show_tail)
            hits.append(_hit(rule.id, rule.title, m, rule.group, masked))
    for m in GENERIC_ASSIGNMENT.finditer(text):
        if _is_generic_secret(m.group(1), m.group(3)):
            masked = mask(m.group(3), show_tail=False)
            hits.append(_hit("generic-secret", f"hard-coded `{m.group(1)}`", m, 3, masked))
    hits.sort(key=lambda h: (h.start, -h.end))
    kept: list[SecretHit] = []
    for hit in hits:
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def redact(text: str) -> str:
    """Mask every secret pattern in ``text``; call before text reaches a model or a log."""
    out, last = [], 0
    for hit in find_secrets(text):
        out += [text[last : hit.start], hit.masked]
        last = hit.end
    return "".join([*out, text[last:]])
