"""The tracer end to end: the CLI on a local repository, GitHub through the fake, the cache,
the sub-agent, and bad input that must be counted, never crash."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewer.cli.main import app
from reviewer.context import build_local_context
from reviewer.github.auth import AppCredentials, InstallationTokens
from reviewer.github.client import GitHubClient
from reviewer.github.context import build_github_context
from reviewer.github.snapshot import read_snapshot
from subagents.base import ReportStatus
from subagents.tracing import TracingAgent, trace_for_context
from subagents.tracing.cache import FactCache
from subagents.tracing.encoding import encode
from subagents.tracing.facts import extract
from subagents.tracing.project import PARALLEL_FROM, Project
from subagents.tracing.query import trace_change
from subagents.tracing.source import DirectorySource, GitHubTreeSource, GitTreeSource
from tests.conftest import INSTALLATION_ID, REPO, GitRepo
from tests.test_tracing_python import LIB

EDGE_KEYS = {"kind", "symbol", "path", "line", "target", "hops", "confidence", "possible"}


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "trace-cache"
    monkeypatch.setenv("REVIEWER_TRACE_CACHE_DIR", str(folder))
    # These tests compare complete traces; on a loaded machine the default 2 s budget
    # (tested on its own in test_tracing_python.py) would cut some of them short.
    monkeypatch.setenv("REVIEWER_TRACE_TIME_BUDGET_SECONDS", "60")
    return folder


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real console script in a child process (slow to start: used once)."""
    command = [sys.executable, "-m", "reviewer.cli.main", "trace", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    """The same command in process, through typer's runner."""
    result = CliRunner().invoke(app, ["trace", *args])
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def change(repo: GitRepo, path: str, old: str, new: str) -> None:
    text = (repo.path / path).read_text()
    repo.commit(f"edit {path}", {path: text.replace(old, new)})


def test_cli_json_contract_for_a_local_change(git_repo: GitRepo) -> None:
    git_repo.commit("base", LIB)
    change(git_repo, "lib/api.py", "return send('get', url)", "return send('GET', url)")
    proc = run_cli("--repo", str(git_repo.path), "--base", "HEAD~1", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"changed", "edges", "omitted", "skipped"}
    assert out["changed"] == [{"symbol": "lib.api.fetch", "path": "lib/api.py", "line": 4}]
    assert all(set(e) == EDGE_KEYS for e in out["edges"])
    caller = next(e for e in out["edges"] if e["kind"] == "caller" and e["hops"] == 1)
    assert caller | {"confidence": 0} == {
        "kind": "caller", "symbol": "test_api.test_fetch", "path": "tests/test_api.py",
        "line": 6, "target": "lib.api.fetch", "hops": 1, "confidence": 0, "possible": False,
    }  # fmt: skip


def test_cli_symbol_mode_text_and_errors(git_repo: GitRepo, tmp_path: Path) -> None:
    git_repo.commit("base", LIB)
    text = invoke("--repo", str(git_repo.path), "--symbol", "lib.sessions.Session.send")
    assert text.returncode == 0 and "caller `lib.api.send` lib/api.py:10" in text.stdout
    for args, message in [
        (["--repo", str(git_repo.path), "--symbol", "lib.nope"], "no definition named"),
        (["--repo", str(git_repo.path)], "exactly one of"),
        (["--repo", str(tmp_path / "missing"), "--base", "main"], "is not a directory"),
        (["--repo", str(git_repo.path), "--base", "no-such-ref"], "is not a commit"),
    ]:
        proc = invoke(*args)
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_invalid_trace_settings_are_a_clear_error(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.commit("base", LIB)
    monkeypatch.setenv("REVIEWER_TRACE_TIME_BUDGET_SECONDS", "-1")
    proc = invoke("--repo", str(git_repo.path), "--symbol", "lib.api.send")
    assert proc.returncode == 2 and "REVIEWER_TRACE_TIME_BUDGET_SECONDS" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_folder_without_git_uses_the_name_index(tmp_path: Path) -> None:
    for rel, text in LIB.items():
        (tmp_path / "src" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / rel).write_text(text)
    proc = invoke("--repo", str(tmp_path / "src"), "--symbol", "lib.api.send", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    callers = {
        (e["path"], e["line"]) for e in json.loads(proc.stdout)["edges"] if e["kind"] == "caller"
    }
    assert ("lib/api.py", 5) in callers
    assert DirectorySource(tmp_path / "src").grep(["x"], ["*.py"]) is None


def test_second_trace_reparses_only_changed_blobs(git_repo: GitRepo, cache_dir: Path) -> None:
    git_repo.commit("base", LIB)
    change(git_repo, "lib/sessions.py", "return m", "return m.strip()")
    first = build_local_context(str(git_repo.path), "HEAD~1")
    cold = trace_change(GitTreeSource(git_repo.path), first.files, FactCache(cache_dir))
    assert cold.stats["files_parsed"] >= 4
    change(git_repo, "lib/sessions.py", "return m.strip()", "return m.strip().lower()")
    second = build_local_context(str(git_repo.path), "HEAD~2")
    warm = trace_change(GitTreeSource(git_repo.path), second.files, FactCache(cache_dir))
    assert warm.stats["files_parsed"] == 1  # only the pushed blob
    assert warm.contract()["edges"] == cold.contract()["edges"]


def test_index_fills_the_cache_and_traces_then_answer_from_it(
    git_repo: GitRepo, cache_dir: Path
) -> None:
    users = {  # enough files for worker processes, each calling fetch through an alias
        f"pkg/use{i}.py": f"from lib.api import fetch as get{i}\n\n\ndef use{i}(u):\n"
        f"    return get{i}(u)\n"
        for i in range(PARALLEL_FROM + 6)
    }
    git_repo.commit("base", {**LIB, **users})
    change(git_repo, "lib/api.py", "return send('get', url)", "return send('GET', url)")
    ctx = build_local_context(str(git_repo.path), "HEAD~1")
    project = Project(GitTreeSource(git_repo.path), FactCache(cache_dir))
    python = project.family_files(project.modules.files["lib/api.py"])
    assert project.mentioning(["fetch"], python) is None  # nothing cached: git grep answers

    first = invoke("--repo", str(git_repo.path), "--index")
    assert first.returncode == 0, first.stderr
    traceable = len(LIB) + len(users)
    assert f"indexed {traceable} files:" in first.stdout and "0 already cached" in first.stdout
    assert f"parsed {traceable}/{traceable} files" in first.stderr  # progress
    assert "no worker processes" not in first.stdout
    again = invoke("--repo", str(git_repo.path), "--index")
    assert "0 parsed" in again.stdout and f"{traceable} already cached" in again.stdout

    mentions = Project(GitTreeSource(git_repo.path), FactCache(cache_dir)).mentioning(
        ["fetch"], python
    )
    assert mentions == {"lib/__init__.py", "lib/api.py", "tests/test_api.py", *users}
    warm = trace_change(GitTreeSource(git_repo.path), ctx.files, FactCache(cache_dir))
    assert warm.stats["files_parsed"] == 0
    assert (
        warm.contract() == trace_change(GitTreeSource(git_repo.path), ctx.files, False).contract()
    )
    assert ("pkg/use3.py", 5) in {(e.path, e.line) for e in warm.edges if e.kind == "caller"}


def test_index_of_a_plain_folder_counts_what_the_cache_had(tmp_path: Path) -> None:
    for rel, text in LIB.items():  # no git: SHAs are learnt by reading
        (tmp_path / "src" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / rel).write_text(text)
    first = invoke("--repo", str(tmp_path / "src"), "--index")
    assert f"{len(LIB)} parsed" in first.stdout and "0 already cached" in first.stdout
    again = invoke("--repo", str(tmp_path / "src"), "--index")
    assert "0 parsed" in again.stdout and f"{len(LIB)} already cached" in again.stdout


def test_index_refuses_no_cache(git_repo: GitRepo) -> None:
    git_repo.commit("base", LIB)
    proc = invoke("--repo", str(git_repo.path), "--index", "--no-cache")
    assert proc.returncode == 2 and "cannot run with --no-cache" in proc.stderr


def test_cache_stays_within_its_cap_by_dropping_the_oldest(tmp_path: Path) -> None:
    cap = 256 * 1024
    cache = FactCache(tmp_path / "small", max_bytes=cap)
    rows = encode(extract("python", LIB["lib/sessions.py"].encode()))
    shas = [f"{i:040x}" for i in range(600)]
    for sha in shas:  # one write each, so each has its own age
        cache.put_many([(sha, rows)])
        cache.put_blobs({sha: LIB["lib/sessions.py"].encode()})
    assert cache.evicted > 0 and cache.used_bytes() <= cap
    oldest, newest = (shas[0], "python"), (shas[-1], "python")
    assert cache.cached({oldest, newest}) == {newest}
    assert [r.line for r in cache.named_refs({newest: {"prepare"}})[newest]] == [11]
    assert set(cache.get_blobs([shas[0], shas[-1]])) == {shas[-1]}
    reopened = FactCache(tmp_path / "small", max_bytes=cap)  # same layout: entries kept
    assert reopened.cached({newest}) == {newest}
    (tmp_path / "old").mkdir()
    with sqlite3.connect(tmp_path / "old" / "tracing.sqlite3") as db:
        db.execute("CREATE TABLE heads (key TEXT PRIMARY KEY, data TEXT)")
    older = FactCache(tmp_path / "old")  # an older layout is dropped, not an error
    older.put_many([(shas[0], rows)])
    assert older.cached({oldest}) == {oldest}


def client_for(fake, app_keys) -> GitHubClient:
    creds = AppCredentials(app_id=fake.app_id, private_key=app_keys[0], api_url=fake.api_url)
    return GitHubClient(InstallationTokens(creds, INSTALLATION_ID))


def test_github_source_fetches_tree_once_and_only_candidate_blobs(fake_github, app_keys) -> None:
    old = {**LIB, "README.md": "# lib\n", "web/app.js": "export function send() {}\n",
           "logo.png": b"\x89PNG\x00\x00"}  # fmt: skip
    new = {"lib/sessions.py": LIB["lib/sessions.py"].replace("return m", "return m * 2")}
    pull = fake_github.add_pull_from_contents(REPO, 41, old=old, new=new, author="alice")
    client = client_for(fake_github, app_keys)
    ctx = build_github_context(client, REPO, 41, read_snapshot(client, REPO, 41), installation_id=1)
    assert isinstance(ctx.tree, GitHubTreeSource)
    fake_github.reset_requests()
    trace = trace_for_context(ctx, 2000)
    assert [c.symbol for c in trace.changed] == ["lib.sessions.Session.prepare"]
    assert any(e.kind == "caller" and e.symbol == "lib.sessions.Session.send" for e in trace.edges)
    trees = fake_github.calls("GET", "/git/trees/")
    assert len(trees) == 1 and pull.head_sha in trees[0].path
    blobs = set(requested_blobs(fake_github))
    sha_of = {e.path: e.sha for e in ctx.tree.entries()}
    assert blobs <= {sha_of[p] for p in sha_of if p.endswith(".py")}
    assert sha_of["README.md"] not in blobs and sha_of["web/app.js"] not in blobs

    fake_github.reset_requests()  # the next push: only its blob is new
    head = fake_github.push(REPO, 41, {"lib/sessions.py": new["lib/sessions.py"] + "\n# more\n"})
    ctx2 = build_github_context(
        client, REPO, 41, read_snapshot(client, REPO, 41), installation_id=1
    )
    fake_github.reset_requests()
    trace_for_context(ctx2, 2000)
    fetched = requested_blobs(fake_github)
    assert fetched == [{e.path: e.sha for e in ctx2.tree.entries()}["lib/sessions.py"]]
    assert head in fake_github.calls("GET", "/git/trees/")[0].path


def test_github_value_trace_reads_no_blob_it_would_not_read_for_callers(
    fake_github, app_keys
) -> None:
    from tests.test_tracing_values import SEVENTY, SHOP

    copy = SHOP["shop/copy.py"].replace('"Spring sale"', json.dumps(SEVENTY))
    fake_github.add_pull_from_contents(REPO, 43, old=SHOP, new={"shop/copy.py": copy},
                                       author="alice")  # fmt: skip
    client = client_for(fake_github, app_keys)
    ctx = build_github_context(client, REPO, 43, read_snapshot(client, REPO, 43), installation_id=1)
    fake_github.reset_requests()
    trace = trace_for_context(ctx, 2000)
    found = {(e.path, e.line, e.possible) for e in trace.edges if e.kind == "value"}
    assert ("shop/schemas.py", 5, False) in found  # the max_length=64 validation
    sha_of = {e.path: e.sha for e in ctx.tree.entries()}
    assert sha_of["templates/home.html"] not in requested_blobs(fake_github)


def requested_blobs(fake) -> list[str]:
    """Blob SHAs the tracer asked for: batched GraphQL reads plus any REST fallbacks."""
    oids = [oid for c in fake.calls("POST", "/graphql")
            for oid in re.findall(r'oid: "([0-9a-f]{40})"', c.json["query"])]  # fmt: skip
    return oids + [c.path.rsplit("/", 1)[1] for c in fake.calls("GET", "/git/blobs/")]


BAD = {
    "pkg/__init__.py": "",
    "pkg/core.py": "def target(x):\n    return x\n",
    "pkg/broken.py": "def (:\n  ))) target(\n" * 20 + "]]]]\n" * 30,
    "pkg/blob.py": "target\x00\x01\x02" * 10,
    "pkg/huge.py": "target(1)\n" + "x = 1\n" * 200_000,
    "web/min.js": "function target(){return 1};" * 2000,
    "pkg/use.py": "from pkg.core import target\n\ndef caller():\n    return target(1)\n",
    "docs/notes.txt": "target\n",
}


def test_bad_input_is_counted_never_a_crash(git_repo: GitRepo) -> None:
    git_repo.commit("base", BAD)
    os.symlink("core.py", git_repo.path / "pkg" / "link.py")
    git_repo.commit("link and edit", {"pkg/core.py": "def target(x):\n    return x + 1\n"})
    ctx = build_local_context(str(git_repo.path), "HEAD~1")
    trace = trace_change(GitTreeSource(git_repo.path), ctx.files, cache=False)
    assert [c.symbol for c in trace.changed] == ["pkg.core.target"]
    assert {(e.path, e.line) for e in trace.edges if e.kind == "caller"} == {("pkg/use.py", 4)}
    skipped = {s.path: s.reason for s in trace.skipped}
    # git grep -I never offers the binary file as a candidate; the parser refuses it too
    assert skipped == {"pkg/broken.py": "unparsable", "pkg/huge.py": "oversized",
                       "pkg/link.py": "symlink"}  # fmt: skip
    assert extract("python", BAD["pkg/blob.py"].encode()).skip == "binary"
    assert extract("javascript", BAD["web/min.js"].encode()).skip == "minified"
    js = trace_change(GitTreeSource(git_repo.path), [], cache=False)
    assert js.changed == [] and js.edges == []


def test_unsupported_language_only_gives_an_empty_trace_and_a_skipped_report(
    git_repo: GitRepo,
) -> None:
    git_repo.commit("base", {"notes.md": "hello\n", "data.csv": "a,b\n"})
    git_repo.commit("edit", {"notes.md": "hello world\n"})
    ctx = build_local_context(str(git_repo.path), "HEAD~1")
    trace = trace_for_context(ctx, 1000)
    assert trace.changed == [] and trace.edges == []
    assert trace.omitted == {"no supported language in the repository": 1}
    assert [(s.path, s.reason) for s in trace.skipped] == [("notes.md", "unsupported language")]
    report = asyncio.run(TracingAgent().run(ctx, None))
    assert report.status is ReportStatus.skipped and report.findings == []
    assert "No traceable symbol" in report.rationale


def test_agent_reports_skipped_with_the_trace_and_flags_a_dangling_import(
    git_repo: GitRepo,
) -> None:
    git_repo.commit("base", LIB)
    api = LIB["lib/api.py"].replace("def fetch(url):\n    return send('get', url)\n\n\n", "")
    git_repo.commit(
        "drop fetch", {"lib/api.py": api + "\n\ndef other():\n    return send('x', 1)\n"}
    )
    ctx = build_local_context(str(git_repo.path), "HEAD~1")
    report = asyncio.run(TracingAgent().run(ctx, None))
    assert report.status is ReportStatus.skipped and report.recommendation == "human"
    assert "call-path review skipped: no model configured" in report.rationale
    assert "## `lib.api.other`" in report.rationale
    assert [(f.path, f.start_line, f.severity.value) for f in report.findings] == [
        ("lib/__init__.py", 1, "major")
    ]
    assert "`lib.api.fetch` was removed" in report.findings[0].title


def test_github_first_review_indexes_only_files_near_the_change(fake_github, app_keys, monkeypatch):
    """The cap, not the time budget, limits what is read: a loaded machine must not matter."""
    from subagents.tracing.candidates import REMOTE_INDEX_CAP

    monkeypatch.setenv("REVIEWER_TRACE_TIME_BUDGET_SECONDS", "120")

    far = {f"vendor/pkg{i}/mod.py": f"def helper{i}():\n    return {i}\n" for i in range(550)}
    old = {**LIB, **far}
    new = {"lib/sessions.py": LIB["lib/sessions.py"].replace("return m", "return m * 2")}
    fake_github.add_pull_from_contents(REPO, 42, old=old, new=new, author="alice")
    client = client_for(fake_github, app_keys)
    ctx = build_github_context(client, REPO, 42, read_snapshot(client, REPO, 42), installation_id=1)
    trace = trace_for_context(ctx, 2000)
    assert any(e.kind == "caller" and e.symbol == "lib.sessions.Session.send" for e in trace.edges)
    skipped = trace.omitted["files not indexed (remote source, far from the change)"]
    assert skipped == len(old) - REMOTE_INDEX_CAP
    assert len(requested_blobs(fake_github)) <= REMOTE_INDEX_CAP
