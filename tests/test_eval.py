"""The evaluation harness: exact figures from scripted models, the matching rule, and the
starter dataset replayed offline with no model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewer.cli.main import app as cli
from reviewer.eval import ExpectedFinding, load_dataset, match_findings, run_dataset
from reviewer.eval.metrics import percentile
from reviewer.llm import configured_model
from tests.fakes.models import CLEAN, Call, Step, answer, finding

DATASET = Path(__file__).parent.parent / "eval" / "dataset"
PATH = "thefuck/rules/pip_unknown_command.py"  # thefuck-1: expected lines 15-17


def cases(*ids: str):
    return [c for c in load_dataset(DATASET) if c.id in ids]


def logic_reports(call: Call) -> Step:
    """The logic specialist reports one finding on the buggy lines and one far away; the
    judge (no specialist) says "same problem" only for the near one."""
    if call.specialist == "logic":
        near = finding("major", path=PATH, start_line=16, end_line=16, title="Regex too narrow")
        far = finding("minor", path=PATH, start_line=1, end_line=1, title="Import order")
        return answer({**CLEAN, "findings": [near, far]})
    if call.specialist is None:  # the judge
        return answer({"same_problem": "Regex" in call.text, "why": "scripted"})
    return answer(CLEAN)


async def test_scripted_findings_give_exact_precision_and_recall(fake_models):
    fake_models.openai._respond = logic_reports
    model = configured_model(fake_models.settings("openai:gpt-5-mini"))
    try:
        results = await run_dataset(
            cases("thefuck-1-bug", "thefuck-1-fix"), dataset="t", model=model
        )
    finally:
        await model.aclose()
    m = results.metrics
    # bug: 2 reported, 1 matched of 1 expected; fix: 2 reported, none expected.
    assert (m.expected, m.reported, m.matched) == (1, 4, 1)
    assert (m.precision, m.recall, m.f1) == (0.25, 1.0, 0.4)
    assert m.errors == 0 and m.input_tokens > 0 and m.cost_usd != "0"
    assert m.false_approve_rate == 0.0  # a major finding always sends it to a human


async def test_the_judge_can_reject_a_line_match(fake_models):
    def judge_says_no(call: Call) -> Step:
        if call.specialist is None:
            return answer({"same_problem": False, "why": "different problem"})
        return logic_reports(call)

    fake_models.openai._respond = judge_says_no
    model = configured_model(fake_models.settings("openai:gpt-5-mini"))
    try:
        results = await run_dataset(
            cases("thefuck-1-bug"), dataset="t", model=model, judge_model=model
        )
    finally:
        await model.aclose()
    assert (results.metrics.matched, results.metrics.judge_fallbacks) == (0, 0)
    assert results.judge == "openai:gpt-5-mini"


async def test_approve_everything_model_shows_the_false_approve_rate_gates_allow(fake_models):
    """A model that finds nothing on buggy changes: with the default policy
    (auto_approve false) the gates allow at most shadow_approve, which counts as approve."""
    fake_models.openai._respond = answer(CLEAN)
    model = configured_model(fake_models.settings("openai:gpt-5-mini"))
    buggy = cases("thefuck-1-bug", "thefuck-2-bug", "thefuck-5-bug")
    try:
        results = await run_dataset(buggy, dataset="t", model=model, repeat=2)
    finally:
        await model.aclose()
    verdicts = [r.verdict for r in results.runs]
    approving = sum(v in ("approve", "shadow_approve") for v in verdicts)
    assert "approve" not in verdicts
    assert results.metrics.false_approve_rate == round(approving / len(verdicts), 4)
    assert results.metrics.false_approve_rate == 1.0  # all shadow_approve: what gates allow
    assert results.metrics.flip_rate == 0.0 and results.metrics.runs == 6


async def test_matching_is_one_to_one_with_tolerance():
    expected = [ExpectedFinding(path="a.py", start_line=10, end_line=12, description="x")]
    reported = [
        {"path": "a.py", "start_line": 15, "end_line": 15},  # within 3 of 12
        {"path": "a.py", "start_line": 11, "end_line": 11},  # better overlap... same size
        {"path": "b.py", "start_line": 11, "end_line": 11},
        {"path": "a.py", "start_line": 16, "end_line": 20},  # too far
    ]
    matches, _ = await match_findings(expected, reported, tolerance=3)
    assert [(m.expected, m.reported) for m in matches] == [(0, 1)]
    none, _ = await match_findings(expected, reported[:1], tolerance=2)
    assert none == []


def test_percentile_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 95) == 0


def test_starter_dataset_is_real_cited_and_big_enough():
    all_cases = load_dataset(DATASET)
    assert len(all_cases) >= 40
    labels = {c.label for c in all_cases}
    assert labels == {"buggy", "clean"}
    for case in all_cases:
        assert case.source.commit and len(case.source.commit) == 40
        assert case.source.licence and case.source.repository.startswith("https://")
        base, head = case.snapshots()
        assert head.is_dir() and base.is_dir()
        if case.label == "buggy":
            assert case.expected_findings and case.expected_verdict == "human"
    assert list((DATASET / "licences").iterdir())
    mirrored = [c for c in all_cases if c.mirror_of]
    assert mirrored and all(c.label == "clean" for c in mirrored)


@pytest.mark.parametrize("fmt", ["table"])
def test_eval_run_offline_on_the_starter_dataset(tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("REVIEWER_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    out = tmp_path / "a.json"
    result = CliRunner().invoke(cli, ["eval", "run", "--dataset", str(DATASET), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "false-approve rate (buggy)" in result.output
    data = json.loads(out.read_text())
    total = len(load_dataset(DATASET))
    assert data["metrics"]["runs"] == total and data["metrics"]["errors"] == 0
    assert data["metrics"]["false_approve_rate"] == 0.0  # no model: never approve
    assert data["metrics"]["approve_rate_clean"] == 0.0
    assert data["model"] is None
    compared = CliRunner().invoke(cli, ["eval", "report", str(out), str(out)])
    assert compared.exit_code == 0 and "0 case(s) changed verdict" in compared.output
    as_json = CliRunner().invoke(cli, ["eval", "report", str(out), "--json"])
    assert json.loads(as_json.output)["a"]["runs"] == total
