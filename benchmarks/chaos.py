"""Chaos: worker processes SIGKILLed at random while they review; every review must still
complete exactly once (one concluded check run, at most one review, one audit decision
per head SHA), nothing lost, nothing duplicated.

Reviews run the real worker path against the fake GitHub on loopback with no model (the
verdict is never approve). The queue is procrastinate on PostgreSQL, or SQLite.

    python -m benchmarks.chaos [--reviews 200] [--kills 50] [--workers 3] [--sqlite]

``tests/test_chaos.py`` runs the same harness at a bounded size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.audit.log import AuditLog
from reviewer.queue import JobKind, JobRequest, JobState
from reviewer.runtime import make_queue
from reviewer.settings import Settings
from reviewer.store.db import open_database

APP_ID, INSTALLATION, REPO, SLUG = 4242, 123456, "acme/app", "pr-reviewer"


@dataclass
class ChaosReport:
    reviews: int
    kills: int
    workers: int
    seconds: float
    states: dict[str, int]
    problems: list[str] = field(default_factory=list)
    recovered_attempts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__


def make_pr(fake: Any, number: int, files: int = 3) -> str:
    """A PR of ``files`` small Python changes with a good description; its head SHA."""
    old = {f"pkg/mod{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(files)}
    new = {p: t.replace("return x", "value = x * 2\n    return value") for p, t in old.items()}
    pull = fake.add_pull_from_contents(
        REPO,
        number,
        old=old,
        new=new,
        author="alice",
        author_association="MEMBER",
        title=f"Double inputs ({number})",
        body="Doubles inputs because the units changed. Fixes #1. Tested with pytest.",
    )
    return str(pull.head_sha)


def _worker(env: dict[str, str], log_dir: Path, index: int) -> subprocess.Popen[bytes]:
    out = (log_dir / f"worker-{index}-{uuid.uuid4().hex[:6]}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli.main", "worker"],
        env={**os.environ, **env},
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def run_chaos(
    fake: Any,
    env: dict[str, str],
    *,
    reviews: int,
    kills: int,
    workers: int = 3,
    kill_every: tuple[float, float] = (1.5, 3.0),
    seed: int = 1,
    log_dir: Path,
    timeout: float = 170.0,
    first_pr: int = 1000,
) -> ChaosReport:
    """Enqueue ``reviews`` reviews, run ``workers`` worker processes, SIGKILL a random one
    ``kills`` times (each is restarted at once), wait for the queue to drain, and check."""
    rng = random.Random(seed)
    url = env["REVIEWER_DATABASE_URL"]
    engine = open_database(url)
    queue = make_queue(Settings(database_url=url), engine)
    heads: dict[int, str] = {}
    jobs: list[int] = []
    for number in range(first_pr, first_pr + reviews):
        heads[number] = make_pr(fake, number)
        request = JobRequest(
            kind=JobKind.review,
            installation_id=INSTALLATION,
            repo=REPO,
            pr=number,
            head_sha=heads[number],
        )
        result = queue.enqueue(request, f"chaos-{uuid.uuid4()}", "pull_request", "opened")
        assert result.job_id is not None
        jobs.append(result.job_id)

    started = time.monotonic()
    procs = [_worker(env, log_dir, i) for i in range(workers)]
    killed = 0

    def finished() -> bool:
        return all(
            (j := queue.get(job_id)) is not None
            and j.state in (JobState.done, JobState.dead, JobState.cancelled)
            for job_id in jobs
        )

    try:
        while time.monotonic() - started < timeout:
            if killed < kills:
                time.sleep(rng.uniform(*kill_every))
                victim = rng.randrange(workers)
                procs[victim].send_signal(signal.SIGKILL)
                procs[victim].wait()
                procs[victim] = _worker(env, log_dir, victim)
                killed += 1
                continue
            if finished():
                break
            time.sleep(0.2)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    seconds = time.monotonic() - started

    views = [queue.get(job_id) for job_id in jobs]
    states = Counter(v.state.value for v in views if v is not None)
    report = ChaosReport(
        reviews=reviews,
        kills=killed,
        workers=workers,
        seconds=round(seconds, 1),
        states=dict(states),
        recovered_attempts=sum(max(v.attempts - 1, 0) for v in views if v is not None),
    )
    decisions = Counter(e.head_sha for e in AuditLog(engine).entries(repo=REPO, kind="decision"))
    for number, head in heads.items():
        concluded = [
            r["conclusion"]
            for r in fake.check_runs(REPO, head)
            if r["status"] == "completed" and r["conclusion"] != "cancelled"
        ]
        open_runs = [r for r in fake.check_runs(REPO, head) if r["status"] != "completed"]
        reviews_posted = [r for r in fake.reviews(REPO, number) if r.get("commit_id") == head]
        if len(concluded) != 1:
            report.problems.append(f"PR {number}: {len(concluded)} concluded checks {concluded}")
        if "success" in concluded:
            report.problems.append(f"PR {number}: approved without a model")
        if open_runs:
            report.problems.append(f"PR {number}: {len(open_runs)} check runs left open")
        if len(reviews_posted) > 1:
            report.problems.append(f"PR {number}: {len(reviews_posted)} reviews")
        if decisions[head] != 1:
            report.problems.append(f"PR {number}: {decisions[head]} audit decisions")
    if states.get(JobState.done.value, 0) != reviews:
        report.problems.append(f"not every job is done: {dict(states)}")
    engine.dispose()
    return report


def chaos_env(fake: Any, private_key: str, database_url: str) -> dict[str, str]:
    return {
        "REVIEWER_GITHUB_API_URL": fake.api_url,
        "REVIEWER_GITHUB_APP_ID": str(APP_ID),
        "REVIEWER_GITHUB_PRIVATE_KEY": private_key,
        "REVIEWER_GITHUB_APP_SLUG": SLUG,
        "REVIEWER_WEBHOOK_SECRET": "chaos",
        "REVIEWER_DATABASE_URL": database_url,
        "REVIEWER_WORKER_POLL_SECONDS": "0.05",
        "REVIEWER_JOB_BACKOFF_BASE_SECONDS": "0",
        "REVIEWER_JOB_LEASE_SECONDS": "1.5",
        "REVIEWER_JOB_MAX_ATTEMPTS": "20",
        "REVIEWER_GITHUB_SECONDS_BETWEEN_WRITES": "0",
        "REVIEWER_GITHUB_BACKOFF_BASE_SECONDS": "0.01",
        "REVIEWER_REDELIVERY_SWEEP_SECONDS": "0",
        "REVIEWER_LOG_FORMAT": "json",
        "REVIEWER_LOG_LEVEL": "WARNING",
    }


def main() -> None:
    from sqlalchemy import create_engine, text

    from tests.fakes import FakeGitHub, generate_app_keypair, running

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=200)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05, help="fake GitHub, per call")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    private_key, public_key = generate_app_keypair()
    fake = FakeGitHub(app_id=APP_ID, public_key=public_key, app_slug=SLUG)
    fake.add_installation(INSTALLATION, "acme")
    fake.add_repo(REPO, collaborators={"alice": "write"})
    fake.latency_seconds = args.latency
    with tempfile.TemporaryDirectory() as tmp, running(fake.app) as origin:
        fake.api_url = origin + "/api/v3"
        admin = None
        name = f"reviewer_chaos_{uuid.uuid4().hex[:8]}"
        if args.sqlite:
            url = f"sqlite:///{tmp}/chaos.db"
        else:
            admin_url = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = f"{args.postgres.rsplit('/', 1)[0]}/{name}"
        try:
            report = run_chaos(
                fake,
                chaos_env(fake, private_key, url),
                reviews=args.reviews,
                kills=args.kills,
                workers=args.workers,
                seed=args.seed,
                log_dir=Path(tmp),
                timeout=3600,
            )
        finally:
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    out = report.as_dict()
    out["backend"] = "sqlite" if args.sqlite else "postgresql+procrastinate"
    out["reviews_per_second"] = round(report.reviews / report.seconds, 2)
    print(json.dumps(out, indent=2))
    sys.exit(1 if report.problems else 0)


if __name__ == "__main__":
    main()
