"""How a merged PR says what it reverts, shared by intake (which keeps only these markers
of the PR's text in the job) and the outcome recorder (which links the revert)."""

from __future__ import annotations

import re

# GitHub's revert button writes 'Revert "<title>"' and a body 'Reverts owner/repo#N';
# ``git revert`` writes 'This reverts commit <sha>.'
REVERTS_PR = re.compile(r"\bReverts\s+([\w.-]+/[\w.-]+)#(\d+)")
REVERTS_COMMIT = re.compile(r"\bThis reverts commit ([0-9a-f]{7,40})")


def revert_markers(title: str, body: str | None) -> str:
    """Only the revert references of a merged PR's title and body: the rest of that text may
    carry anything (a pasted key included) and is not stored with the job."""
    text = f"{title}\n{body or ''}"
    found = [m.group(0) for rx in (REVERTS_PR, REVERTS_COMMIT) for m in rx.finditer(text)]
    return "\n".join(found[:10])
