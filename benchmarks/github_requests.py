"""GitHub requests and pipeline overhead for one review of a 10-file PR.

Runs the real worker path (App JWT -> installation token -> context -> panel ->
publish -> audit) against the fake GitHub on loopback, with no model configured, so the
time measured is everything but model time. Two scenarios, each starting with no token
(the first review mints one, the next reuse it): clean changes (no findings), and
changes with a bare ``except:`` in every file (inline findings, so a review is posted).
Baseline, measured in the same run: the same number of plain authenticated GETs to the
same fake with httpx, i.e. the HTTP floor.

    python -m benchmarks.github_requests [--runs 10] [--files 10]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.chaos import make_pr
from reviewer.github.auth import InstallationTokens
from reviewer.github.handlers import make_handlers
from reviewer.logs import configure_logging
from reviewer.queue import JobKind, JobRequest
from reviewer.runtime import build_runtime
from reviewer.settings import Settings
from tests.fakes import FakeGitHub, generate_app_keypair, running

APP_ID, INSTALLATION, REPO = 4242, 123456, "acme/app"


def endpoint(path: str) -> str:
    parts = path.split("/")
    folded = "/".join("{n}" if p.isdigit() else p for p in parts)
    return re.sub(r"\b[0-9a-f]{40}\b", "{sha}", folded)  # also base...head of a comparison


def make_flawed_pr(fake: FakeGitHub, number: int, files: int) -> str:
    """A PR of ``files`` Python changes that each swallow every exception (a finding)."""
    old = {
        f"pkg/io{i}.py": f"def load{i}(path):\n    return open(path).read()\n" for i in range(files)
    }
    guarded = "    try:\n        return open(path).read()\n    except:\n        return None\n"
    new = {p: t.replace("    return open(path).read()\n", guarded) for p, t in old.items()}
    pull = fake.add_pull_from_contents(
        REPO, number, old=old, new=new, author="alice", author_association="MEMBER",
        title=f"Tolerate missing files ({number})",
        body="Missing files read as None because callers handle it. Fixes #2. Tested with pytest.",
    )  # fmt: skip
    return str(pull.head_sha)


@dataclass
class Scenario:
    """Reviews of one kind of PR: requests per review, the first review's endpoints, and
    wall times."""

    name: str
    make: Callable[[FakeGitHub, int, int], str]
    counts: list[int] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    first: list[str] = field(default_factory=list)


def run_scenario(
    fake: FakeGitHub, runtime: Any, scenario: Scenario, numbers: range, files: int
) -> None:
    InstallationTokens.forget_shared()  # the first review of the scenario mints a token
    worker = runtime.worker("bench")
    for number in numbers:
        sha = scenario.make(fake, number, files)
        fake.reset_requests()
        base = fake.pull(REPO, number).base_sha  # the delivery names both, as GitHub's does
        job = JobRequest(
            kind=JobKind.review,
            installation_id=INSTALLATION,
            repo=REPO,
            pr=number,
            head_sha=sha,
            payload={"event": "pull_request", "action": "opened", "base_sha": base},
        )
        runtime.queue.enqueue(job, None)
        started = time.perf_counter()
        asyncio.run(worker.run_once())
        scenario.durations.append(time.perf_counter() - started)
        scenario.counts.append(len(fake.requests))
        if not scenario.first:
            scenario.first = [f"{r.method} {endpoint(r.path)}" for r in fake.requests]


def report(scenario: Scenario, goal: int) -> None:
    first, rest = scenario.counts[0], sorted(set(scenario.counts[1:]))
    print(
        f"{scenario.name}: GitHub requests per review: first {first} (token minted), "
        f"then {rest} (issue 16 goal <= {goal})"
    )
    for name, n in Counter(scenario.first).items():
        print(f"  {n} x {name}")
    p50 = statistics.median(scenario.durations)
    print(
        f"  review wall time p50 {p50 * 1000:.0f} ms, max {max(scenario.durations) * 1000:.0f}"
        " ms (goal < 1000 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--files", type=int, default=10)
    args = parser.parse_args()
    configure_logging("console", "WARNING")
    private, public = generate_app_keypair()
    fake = FakeGitHub(app_id=APP_ID, public_key=public)
    fake.add_installation(INSTALLATION, "acme")
    fake.add_repo(REPO, collaborators={"alice": "write"})
    clean = Scenario("no findings", make_pr)
    flawed = Scenario("inline findings", make_flawed_pr)
    with running(fake.app) as origin, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            github_api_url=origin + "/api/v3",
            github_app_id=APP_ID,
            github_private_key=private,
            github_app_slug="pr-reviewer",
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            github_seconds_between_writes=0,
        )
        runtime = build_runtime(settings)
        runtime.handlers.update(make_handlers(runtime))
        run_scenario(fake, runtime, clean, range(1, args.runs + 1), args.files)
        run_scenario(fake, runtime, flawed, range(1001, 1001 + args.runs), args.files)
        inst = fake.installation(INSTALLATION)
        token = fake.mint_token(inst, dict(inst.permissions), None).token
        floor = []
        with httpx.Client(
            base_url=origin + "/api/v3", headers={"Authorization": f"token {token}"}
        ) as client:
            for run in range(1, args.runs + 1):
                started = time.perf_counter()
                for _ in range(clean.counts[0]):
                    client.get(f"/repos/{REPO}/pulls/{run}")
                floor.append(time.perf_counter() - started)
    print(f"{args.files}-file PR, {args.runs} reviews per scenario, no model (overhead only)")
    print("PR-Agent 0.49.0: 31 requests for a 3-file PR")
    report(clean, 8)
    report(flawed, 10)
    p50, base = statistics.median(clean.durations), statistics.median(floor)
    print(
        f"baseline: {clean.counts[0]} plain GETs p50 {base * 1000:.0f} ms; "
        f"ratio review (no findings)/baseline {p50 / base:.2f}x"
    )


if __name__ == "__main__":
    main()
