"""Gates and verdicts: every unsure path ends in a human, never in approve."""

from __future__ import annotations

import pytest

from reviewer.aggregator import aggregate
from reviewer.context import Author, ChangedFile, ReviewContext
from reviewer.policy import Limits, Policy, RequireHuman
from subagents.base import Finding, ReportStatus, Severity, SubAgentReport

PATCH = "@@ -1,2 +1,3 @@\n a\n+b\n c"
NAMES = ("description", "intent", "safety", "logic", "antipatterns", "tracing")


def ctx(**overrides) -> ReviewContext:
    base = dict(
        source="github",
        repo="o/r",
        pr=1,
        title="Fix parser",
        body="b",
        author=Author(login="ada", association="MEMBER"),
        base_ref="main",
        default_branch="main",
        base_sha="0" * 40,
        head_sha="1" * 40,
        files=(ChangedFile(path="src/app.py", status="modified", additions=1, patch=PATCH),),
        policy=Policy(auto_approve=True),
    )
    base.update(overrides)
    return ReviewContext(**base)


def ok_reports(*extra: Finding) -> list[SubAgentReport]:
    reports = [
        SubAgentReport(subagent=n, status=ReportStatus.ok, recommendation="approve") for n in NAMES
    ]
    reports[0] = reports[0].model_copy(update={"findings": list(extra)})
    return reports


def finding(severity: Severity) -> Finding:
    return Finding(
        fingerprint="f",
        subagent="description",
        severity=severity,
        title="t",
        body="b",
        path="src/app.py",
        start_line=2,
    )


def codes(decision) -> list[str]:
    return [r.code for r in decision.reasons]


def test_clean_pr_with_auto_approve_is_approved():
    decision = aggregate(ctx(), ok_reports(finding(Severity.minor)), NAMES)
    assert decision.verdict == "approve" and decision.check_conclusion == "success"
    assert decision.labels == ["reviewer: approved"]
    assert decision.coverage.reviewed == decision.coverage.changed == 1


def test_default_policy_is_shadow_mode_and_action_required():
    decision = aggregate(ctx(policy=Policy()), ok_reports(), NAMES)
    assert decision.verdict == "shadow_approve"
    assert decision.check_conclusion == "action_required"
    assert codes(decision) == ["policy.shadow"]
    assert decision.labels == ["reviewer: would-approve"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"policy_error": "bad yaml"}, "policy.invalid"),
        ({"human_requested": True}, "override.human"),
        (
            {
                "labels": ("needs-security",),
                "policy": Policy(
                    auto_approve=True, require_human_for=RequireHuman(labels=("needs-security",))
                ),
            },
            "override.human",
        ),
        (
            {
                "policy": Policy(auto_approve=True, limits=Limits(max_changed_lines=1)),
                "files": (ChangedFile(path="a.py", status="modified", additions=2, patch=PATCH),),
            },
            "size.lines",
        ),
        (
            {"files": (ChangedFile(path="logo.png", status="added", binary=True),)},
            "coverage.partial",
        ),
        (
            {
                "files": (
                    ChangedFile(
                        path=".github/workflows/ci.yml", status="modified", additions=1, patch=PATCH
                    ),
                )
            },
            "path.sensitive",
        ),
        (
            {
                "files": (
                    ChangedFile(
                        path=".github/reviewer.yml", status="modified", additions=1, patch=PATCH
                    ),
                )
            },
            "policy.self_edit",
        ),
        (
            {
                "policy": Policy(
                    auto_approve=True, require_human_for=RequireHuman(paths=("src/**",))
                )
            },
            "path.sensitive",
        ),
        ({"author": Author(login="new", association="FIRST_TIME_CONTRIBUTOR")}, "author.untrusted"),
        ({"author": Author(login="dependabot[bot]", type="Bot")}, "author.untrusted"),
        ({"fork": True}, "author.untrusted"),
    ],
)
def test_each_gate_sends_to_human(overrides, code):
    decision = aggregate(ctx(**overrides), ok_reports(), NAMES)
    assert decision.verdict == "human"
    assert decision.check_conclusion == "action_required"
    assert code in codes(decision)
    assert "reviewer: human" in decision.labels


def test_too_large_asks_to_split_and_labels():
    many = tuple(
        ChangedFile(path=f"{d}/f{i}.py", status="modified", additions=1, patch=PATCH)
        for d in ("a", "b", "c", "d")
        for i in range(6)
    )
    decision = aggregate(ctx(files=many), ok_reports(), NAMES)
    assert {"size.files", "size.areas"} <= set(codes(decision))
    assert "reviewer: too-large" in decision.labels
    assert "split" in decision.reasons[0].message


@pytest.mark.parametrize(
    "status", [ReportStatus.failed, ReportStatus.skipped, ReportStatus.abstained]
)
def test_incomplete_reports_never_approve(status):
    reports = ok_reports()
    reports[3] = SubAgentReport(subagent="logic", status=status, recommendation="approve")
    decision = aggregate(ctx(), reports, NAMES)
    assert decision.verdict == "human"


def test_missing_report_counts_as_failed():
    decision = aggregate(ctx(), ok_reports()[:-1], NAMES)
    assert decision.verdict == "human" and "subagent.failed" in codes(decision)


@pytest.mark.parametrize("severity", [Severity.major, Severity.blocker])
def test_major_findings_block_even_when_model_says_approve(severity):
    decision = aggregate(ctx(), ok_reports(finding(severity)), NAMES)
    assert decision.verdict == "human" and f"finding.{severity.value}" in codes(decision)


def test_policy_reviewers_requested_only_when_human():
    policy = Policy(auto_approve=True, reviewers=("octo-team",))
    human = aggregate(ctx(policy=policy, human_requested=True), ok_reports(), NAMES)
    assert human.reviewers_requested == ["octo-team"]
