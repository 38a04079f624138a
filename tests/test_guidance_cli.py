"""``reviewer guidance lint|show``, the merge of repository and default rules, and its effect
on a real local review."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from reviewer.cli.main import app
from reviewer.guidance.merge import merge_guidance, rules_for_file
from reviewer.guidance.rules import load_default_guidance, parse_guidance
from tests.cli import reviewed
from tests.conftest import GitRepo

runner = CliRunner()

GOOD = """---
id: team.no-sleep
title: No sleeps in request handlers
applies_to: ["app/**"]
languages: [python]
subagents: [antipatterns, logic]
severity: minor
pattern: '\\btime\\.sleep\\('
message: Sleeping blocks the worker; schedule the retry instead.
---
# No sleeps in request handlers

Good: `queue.retry(job, delay=5)`. Bad: `time.sleep(5)`.
"""
DISABLE = "---\nid: team.off\ndisable: [py.debug-print]\n---\n"
GROUP = """---
id: legacy
applies_to: ["**/*.py"]
rules:
  - id: py.bare-except
    title: Bare except is an error here
    pattern: '^\\s*except\\s*:'
    severity: major
---
The old group form still works; this one replaces a default rule.
"""


def repo_with(git_repo: GitRepo, guidance: dict[str, str]) -> GitRepo:
    files = {"app/main.py": "x = 1\n", "README.md": "hi\n"}
    files.update({f".github/reviewer/{name}": text for name, text in guidance.items()})
    git_repo.commit("Initial", files)
    return git_repo


def lint(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["guidance", "lint", *args])
    return result.exit_code, result.output


def test_lint_clean_folder(git_repo: GitRepo) -> None:
    repo = repo_with(git_repo, {"sleep.md": GOOD, "off.md": DISABLE, "legacy.md": GROUP})
    code, out = lint(str(repo.path / ".github/reviewer"))
    assert code == 0, out
    assert "note: replaces default rule 'py.bare-except'" in out
    assert "3 file(s), 2 rule(s), 0 problem(s), 1 note(s); globs checked" in out


def test_lint_shipped_defaults_are_clean() -> None:
    code, out = lint("guidance", "--no-check-globs")
    assert code == 0, out
    assert "0 problem(s)" in out


def test_globs_matching_no_file_here_are_notes_not_problems() -> None:
    """The shipped defaults cover languages this repository does not use (no .sql, .tf,
    .xml here): that is said, but it is not a failure."""
    code, out = lint("guidance")
    assert code == 0, out
    assert "note: applies_to glob '**/*.sql' matches no file in the repository" in out
    assert ", 0 problem(s), " in out and "globs checked" in out


def test_lint_reports_bad_frontmatter_duplicates_disables_and_globs(git_repo: GitRepo) -> None:
    bad = {
        "a.md": GOOD,
        "b.md": GOOD.replace("app/**", "src/**"),  # same id again, and a glob matching nothing
        "c.md": "---\nid: x\ntitle: t\nseverity: fatal\n---\n",
        "d.md": "---\nid: x2\ntitle: t\nlanguages: [cobol]\n---\n",
        "e.md": "---\nid: y\ndisable: [py.no-such-rule]\n---\n",
        "f.md": "---\nid: [\n---\n",
    }
    repo = repo_with(git_repo, bad)
    code, out = lint(str(repo.path / ".github/reviewer"))
    assert code == 1
    assert "duplicate id 'team.no-sleep'" in out
    assert "b.md: note: applies_to glob 'src/**' matches no file in the repository" in out
    lines = out.splitlines()
    first_note = next(n for n, line in enumerate(lines) if ": note: " in line)
    assert all(": note: " in line for line in lines[first_note:-1]), "problems come first"
    assert "c.md: severity:" in out and "d.md: languages:" in out and "cobol" in out
    assert "no rule or file has id 'py.no-such-rule'" in out
    assert "f.md: frontmatter is not YAML" in out
    assert "6 file(s), 2 rule(s), 5 problem(s), 1 note(s)" in out


def test_lint_outside_git_checks_globs_against_files_on_disk(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "x.py").write_text("")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "sleep.md").write_text(GOOD)
    code, out = lint(str(tmp_path / "rules"), "--repo", str(tmp_path))
    assert code == 0, out


def test_show_lists_rules_for_a_file_with_overrides(git_repo: GitRepo) -> None:
    repo = repo_with(git_repo, {"sleep.md": GOOD, "off.md": DISABLE, "legacy.md": GROUP})
    args = ["guidance", "show", "--repo", str(repo.path), "--format", "json"]
    result = runner.invoke(app, [*args, "--file", "app/main.py"])
    assert result.exit_code == 0, result.output
    rules = {r["id"]: r for r in json.loads(result.output)["rules"]}
    assert "team.no-sleep" in rules and "py.debug-print" not in rules
    assert rules["py.bare-except"]["severity"] == "major"
    assert rules["py.bare-except"]["source"].endswith("legacy.md")
    assert "js.console-log" not in rules  # languages scope
    web = runner.invoke(app, [*args, "--file", "web/app.ts"])
    ids = {r["id"] for r in json.loads(web.output)["rules"]}
    assert {"js.console-log", "ts.explicit-any"} <= ids and "team.no-sleep" not in ids
    logic = runner.invoke(app, [*args, "--file", "app/main.py", "--subagent", "logic"])
    assert {r["id"] for r in json.loads(logic.output)["rules"]} == {
        "team.no-sleep",
        "py.assert-validation",
        "py.requests-without-timeout",
    }
    text = runner.invoke(app, ["guidance", "show", "--repo", str(repo.path), "--file", "x.md"])
    assert "gen.todo-left" in text.output


def test_merge_replaces_disables_and_keeps_repo_docs() -> None:
    defaults = load_default_guidance()
    repo = [
        parse_guidance(DISABLE, ".github/reviewer/off.md"),
        parse_guidance(GROUP, ".github/reviewer/legacy.md"),
        parse_guidance("---\nid: js.eval\ntitle: t\nenabled: false\n---\n", "r/js.md"),
        parse_guidance("---\ndisable: [sec.weak-hash]\n---\n", "r/sec.md"),
    ]
    merged = merge_guidance(defaults, repo)
    ids = [r.id for d in merged for r in d.rules]
    assert len(ids) == len(set(ids))
    assert not {"py.debug-print", "js.eval", "sec.weak-hash"} & set(ids)
    assert {d.source for d in merged} >= {d.source for d in repo}  # audit hashes them
    (doc, rule) = next(p for p in rules_for_file(merged, "a.py") if p[1].id == "py.bare-except")
    assert rule.severity == "major" and doc.source.endswith("legacy.md")


def test_repo_override_disables_a_default_rule_in_a_local_review(git_repo, tmp_path):
    repo_with(git_repo, {"off.md": DISABLE})
    git_repo.commit(
        "Log the count\n\nPrints the count for debugging.",
        {"app/main.py": "x = 1\nprint(x)\ntry:\n    x += 1\nexcept:\n    raise\n"},
    )
    result = reviewed(git_repo.path, tmp_path / "r.db")
    cited = {rule for f in result["findings"] for rule in f["rule_ids"]}
    assert "py.bare-except" in cited, "other default rules still apply"
    assert "py.debug-print" not in cited
