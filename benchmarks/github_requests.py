"""GitHub requests and pipeline overhead for one review of a 10-file PR.

Runs the real worker path (App JWT -> installation token -> context -> panel ->
publish -> audit) against the fake GitHub on loopback, with no model configured, so the
time measured is everything but model time. Baseline, measured in the same run: the
same number of plain authenticated GETs to the same fake with httpx, i.e. the HTTP floor.

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
from pathlib import Path

import httpx

from benchmarks.chaos import make_pr
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
        worker = runtime.worker("bench")
        durations, counts = [], []
        per_endpoint: Counter[str] = Counter()
        for run in range(1, args.runs + 1):
            sha = make_pr(fake, run, args.files)
            fake.reset_requests()
            runtime.queue.enqueue(
                JobRequest(
                    kind=JobKind.review,
                    installation_id=INSTALLATION,
                    repo=REPO,
                    pr=run,
                    head_sha=sha,
                ),
                None,
            )
            started = time.perf_counter()
            asyncio.run(worker.run_once())
            durations.append(time.perf_counter() - started)
            counts.append(len(fake.requests))
            if run == 1:
                per_endpoint.update(f"{r.method} {endpoint(r.path)}" for r in fake.requests)
        inst = fake.installation(INSTALLATION)
        token = fake.mint_token(inst, dict(inst.permissions), None).token
        floor = []
        with httpx.Client(
            base_url=origin + "/api/v3", headers={"Authorization": f"token {token}"}
        ) as client:
            for run in range(1, args.runs + 1):
                started = time.perf_counter()
                for _ in range(counts[0]):
                    client.get(f"/repos/{REPO}/pulls/{run}")
                floor.append(time.perf_counter() - started)
    p50, base = statistics.median(durations), statistics.median(floor)
    print(f"{args.files}-file PR, {args.runs} reviews, no model (pipeline overhead only)")
    print(
        f"GitHub requests per review: {sorted(set(counts))} (issue 16 goal <= 8; "
        "PR-Agent 0.49.0: 31 for a 3-file PR)"
    )
    for name, n in per_endpoint.items():
        print(f"  {n} x {name}")
    print(
        f"review wall time p50 {p50 * 1000:.0f} ms, max {max(durations) * 1000:.0f} ms "
        f"(goal < 1000 ms)"
    )
    print(
        f"baseline: {counts[0]} plain GETs p50 {base * 1000:.0f} ms; "
        f"ratio review/baseline {p50 / base:.2f}x"
    )


if __name__ == "__main__":
    main()
