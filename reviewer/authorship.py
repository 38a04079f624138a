"""Who wrote a pull request: a coding agent (``ai``) or a person (``human``).

The outcome report compares revert rates by author type, so the classification is
recorded with each decision. A PR is ``ai`` when its author or any commit's author is a
known coding-agent account or one the repo's policy names in ``ai_authors:``, or when a
commit message carries a known agent's ``Co-authored-by`` trailer or signature line.
Everything else is ``human``: the signals are the ones agents leave by default, and a
person who strips them is counted as a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from reviewer.context import CommitInfo

AuthorType = Literal["ai", "human"]

# Accounts coding agents commit or open pull requests as.
AGENT_ACCOUNTS = frozenset(
    {
        "copilot",
        "copilot-swe-agent[bot]",
        "devin-ai-integration[bot]",
        "google-labs-jules[bot]",
        "chatgpt-codex-connector[bot]",
        "openhands-agent",
        "sweep-ai[bot]",
        "amazon-q-developer[bot]",
        "cursor[bot]",
        "claude[bot]",
    }
)
# Co-authored-by trailers and signature lines the common agents write by default.
_AGENT_TRAILER = re.compile(
    r"^co-authored-by:.*(?:"
    r"noreply@anthropic\.com|\bclaude\b|\bcopilot\b|cursoragent@cursor\.com|\bcursor agent\b"
    r"|noreply@aider\.chat|\baider\b|\bdevin\b|codex@openai\.com|\bcodex\b|openhands"
    r"|\bjules\b|amazon q developer|sweep-ai)",
    re.IGNORECASE | re.MULTILINE,
)
_AGENT_SIGNATURE = re.compile(
    r"generated with \[?claude code\]?|^aider: ", re.IGNORECASE | re.MULTILINE
)


def author_signals(
    author: str, commits: Iterable[CommitInfo], ai_authors: Iterable[str] = ()
) -> list[str]:
    """Why this PR counts as AI-written (empty: it does not); short, loggable phrases."""
    named = {login.lower() for login in ai_authors}
    accounts = AGENT_ACCOUNTS | named
    signals: list[str] = []
    if author.lower() in accounts:
        signals.append(f"author {author}")
    for commit in commits:
        short = commit.sha[:12]
        if commit.author and commit.author.lower() in accounts:
            signals.append(f"commit {short} by {commit.author}")
        elif trailer := _AGENT_TRAILER.search(commit.message):
            signals.append(f"commit {short}: {trailer.group(0).strip()[:120]}")
        elif _AGENT_SIGNATURE.search(commit.message):
            signals.append(f"commit {short}: agent signature")
    return signals


def author_type(signals: list[str]) -> AuthorType:
    return "ai" if signals else "human"
