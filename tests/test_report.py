"""``reviewer report outcomes`` against a generated history with known ground truth: every
figure is asserted exactly, from the real recording functions to the CLI's JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from reviewer.audit.log import AuditLog
from reviewer.audit.signing import CheckpointSigner, generate_private_pem
from reviewer.report.figures import Figures
from reviewer.report.outcomes import outcome_report
from reviewer.report.stats import percentile, wilson
from reviewer.store.db import open_database
from tests.history import REPOS, START, expected_figures, plan_history, write_history
from tests.test_cli import cli

UNTIL = START + timedelta(weeks=8)
SIGNER = CheckpointSigner.from_setting(generate_private_pem())


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """300 PRs over 8 weeks in two repos, written once for the module's tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('history') / 'reviewer.db'}"
    engine = open_database(url)
    planned = plan_history()
    write_history(AuditLog(engine, SIGNER, checkpoint_every=100), planned)
    yield url, engine, planned
    engine.dispose()


def assert_matches(figures: Figures, truth: dict) -> None:
    assert figures.prs == truth["prs"]
    assert figures.verdicts == truth["verdicts"]
    assert [(r.code, r.prs) for r in figures.top_human_reasons] == truth["top_human_reasons"]
    for who in ("ai", "human"):
        assert figures.speed.to_first_approval[who].model_dump() == truth["to_first_approval"][who]
        assert figures.speed.to_merge[who].model_dump() == truth["to_merge"][who]
    for window in figures.revert_rates:
        want = truth["reverts"][window.days]
        for who in ("ai", "human"):
            got = window.by_approval[who]
            assert (got.count, got.total) == want["by_approval"][who]
            got = window.by_author[who]
            assert (got.count, got.total) == want["by_author"][who]
    prs, asked, undone, bad = truth["shadow"]
    shadow = figures.shadow
    assert (shadow.prs, shadow.changes_requested, shadow.reverted) == (prs, asked, undone)
    assert (shadow.precision.count, shadow.precision.total) == (prs - bad, prs)
    assert Decimal(figures.cost.cost_usd) == truth["cost_usd"]
    assert figures.cost.reviews == truth["reviews"]
    assert figures.cost.approved_not_reverted == truth["approved_not_reverted"]
    assert len(figures.weeks) == truth["weeks"]
    assert sum(week.prs for week in figures.weeks) == truth["prs"]


def test_report_equals_the_ground_truth_overall_and_per_repo(history):
    _, engine, planned = history
    audit = AuditLog(engine, SIGNER)
    report = outcome_report(audit, until=UNTIL, now=UNTIL + timedelta(days=90))
    assert report.as_of == UNTIL
    assert_matches(report.overall, expected_figures(planned, UNTIL))
    for repo in REPOS:
        assert_matches(
            report.repos[repo], expected_figures([p for p in planned if p.repo == repo], UNTIL)
        )
    # The history is realistic enough to exercise every figure.
    assert report.overall.shadow.changes_requested and report.overall.shadow.reverted
    assert all(w.by_author["ai"].count for w in report.overall.revert_rates)
    written = sum(
        2 + len(p.reviews) + (p.merged_at is not None) + 2 * (p.reverted_at is not None)
        for p in planned
    )
    assert report.chain.ok and report.chain.verified_through == report.chain.head_seq == written
    assert report.chain.last_signed_checkpoint == written // 100 * 100
    assert report.data_from["opened"] is not None


def test_a_window_counts_only_prs_opened_in_it(history):
    _, engine, planned = history
    since, until = START + timedelta(weeks=2), START + timedelta(weeks=4)
    report = outcome_report(AuditLog(engine), since=since, until=until, repo="acme/api")
    chosen = [p for p in planned if p.repo == "acme/api" and since <= p.opened_at < until]
    assert_matches(report.overall, expected_figures(chosen, until))
    assert list(report.repos) == ["acme/api"]


def test_cli_json_is_the_same_report(history):
    url, _, planned = history
    env = {"REVIEWER_DATABASE_URL": url}
    until = UNTIL.strftime("%Y-%m-%dT%H:%M:%S")
    proc = cli("report", "outcomes", "--until", until, "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert_matches(Figures.model_validate(data["overall"]), expected_figures(planned, UNTIL))
    assert set(data) >= {"overall", "repos", "chain", "data_from", "as_of", "since", "until"}
    as_csv = cli("report", "outcomes", "--until", until, "--format", "csv", env=env)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    [prs] = [
        r for r in rows if r["scope"] == "all" and r["metric"] == "prs" and r["section"] == "volume"
    ]
    assert int(prs["value"]) == len(planned)
    table = cli("report", "outcomes", "--until", until, env=env)
    assert table.returncode == 0 and "Audit chain intact" in table.stdout
    html = cli("report", "outcomes", "--until", until, "--format", "html", env=env)
    assert html.stdout.count("<svg") == 3 and "<script" not in html.stdout
    assert f'data-figure="prs">{len(planned)}<' in html.stdout


def test_small_numbers_look_small():
    one_of_three = wilson(1, 3)
    assert (one_of_three.low, one_of_three.high) == (0.061492, 0.79234)
    assert wilson(0, 0).rate is None
    nothing = wilson(0, 10)
    assert nothing.low == 0.0 and nothing.high == 0.277533
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.75) == 3.25
