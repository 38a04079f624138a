"""Findings across the panel: deduplicated, ranked by severity and confidence, capped."""

from __future__ import annotations

from reviewer.aggregator import aggregate
from reviewer.context import Author, ReviewContext
from reviewer.findings import dedupe, rank_findings
from subagents.base import Finding, ReportStatus, Severity, SubAgentReport


def f(agent: str, severity: str, fp: str, *, line: int | None = None, rules=(), conf=0.9):
    return Finding(fingerprint=fp, subagent=agent, severity=Severity(severity), path="a.py",
                   start_line=line, title=f"{agent} {severity}", body="b",
                   rule_ids=list(rules), confidence=conf)  # fmt: skip


def test_same_fingerprint_or_anchor_and_rule_is_one_finding_at_the_worst_severity():
    merged = dedupe([
        f("safety", "minor", "x"), f("logic", "major", "x"),
        f("antipatterns", "info", "y", line=3, rules=["py.eval"]),
        f("safety", "major", "z", line=3, rules=["py.eval", "safety.py.eval"]),
    ])  # fmt: skip
    assert [(m.subagent, m.severity.value) for m in merged] == [
        ("logic", "major"), ("safety", "major")]  # fmt: skip
    assert "Also raised by: safety" in merged[0].body
    assert merged[1].rule_ids == ["py.eval", "safety.py.eval"]


def test_rank_is_severity_then_confidence():
    ranked = rank_findings([f("a", "minor", "1"), f("b", "major", "2", conf=0.5),
                            f("c", "major", "3", conf=0.9), f("d", "info", "4")])  # fmt: skip
    assert [r.subagent for r in ranked] == ["c", "b", "a", "d"]


def test_cap_counts_the_rest_and_gates_still_see_everything():
    ctx = ReviewContext(source="local", repo="r", title="t", author=Author(login="a"),
                        base_ref="main", base_sha="a" * 40, head_sha="b" * 40)  # fmt: skip
    findings = [f("logic", "info", str(i)) for i in range(30)] + [f("logic", "major", "m")]
    report = SubAgentReport(subagent="logic", status=ReportStatus.ok, findings=findings)
    decision = aggregate(ctx, [report], max_findings=5)
    assert len(decision.findings) == 5 and decision.findings_omitted == 26
    assert decision.findings[0].severity is Severity.major
    assert any(r.code == "finding.major" for r in decision.reasons)
