"""Findings across the panel: deduplicated, ranked, and capped for publishing.

Two specialists often see the same problem (the safety scan and the safety model, logic
and tracing). A reader should get it once, at the highest severity anyone gave it, with
the other specialists named. Duplicates are the same fingerprint on the same line, or the
same anchor (path and start line) with a shared guidance rule. Ranking is severity, then confidence,
then position, so the cap drops the least important notes first.
"""

from __future__ import annotations

from subagents.base import Finding

DEFAULT_MAX_FINDINGS = 25


def _anchor_keys(f: Finding) -> list[tuple[str, ...]]:
    # The fingerprint ignores the line (it must survive pushes), so the same code on two
    # lines is two problems: the line is part of the key.
    keys: list[tuple[str, ...]] = [("fp", f.fingerprint, str(f.start_line or ""))]
    if f.path and f.start_line:
        keys += [("rule", f.path, str(f.start_line), rule) for rule in f.rule_ids]
    return keys


def _key(f: Finding) -> tuple[int, float, str, int]:
    return (-f.severity.rank, -f.confidence, f.path or "", f.start_line or 0)


def _merge(group: list[Finding]) -> Finding:
    best = min(group, key=_key)
    others = sorted({f.subagent for f in group} - {best.subagent})
    body = best.body + (f"\n\n_Also raised by: {', '.join(others)}._" if others else "")
    rules = list(dict.fromkeys(rule for f in [best, *group] for rule in f.rule_ids))
    return best.model_copy(update={"body": body, "rule_ids": rules})


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per problem, in first-seen order, the most severe version kept."""
    groups: list[list[Finding]] = []
    index: dict[tuple[str, ...], int] = {}
    for finding in findings:
        keys = _anchor_keys(finding)
        hit = next((index[k] for k in keys if k in index), None)
        if hit is None:
            groups.append([])
            hit = len(groups) - 1
        groups[hit].append(finding)
        for key in keys:
            index.setdefault(key, hit)
    return [_merge(group) for group in groups]


def rank_findings(findings: list[Finding]) -> list[Finding]:
    """Deduplicated, most severe and most confident first."""
    return sorted(dedupe(findings), key=_key)
