"""Load on PostgreSQL: webhook ACK latency at increasing rates against two API processes,
and end-to-end review throughput as worker processes scale 1 -> 2 -> 4.

ACK: signed ``pull_request`` deliveries (distinct PRs, so each one writes a job) sent
open-loop at a fixed rate, alternating between two ``reviewer serve --no-worker``
processes; reports p50/p99 and errors per rate. Throughput: N reviews queued, then W
``reviewer worker`` processes drain them against the fake GitHub and a fake OpenAI
server that answers every call after a fixed latency.

    python -m benchmarks.load [--rates 100,200,400,800] [--seconds 5]
                              [--reviews 24] [--workers 1,2,4] [--model-latency 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from benchmarks.chaos import APP_ID, INSTALLATION, REPO, SLUG, chaos_env, make_pr
from reviewer.queue import JobKind, JobRequest, JobState
from reviewer.runtime import make_queue
from reviewer.settings import Settings
from reviewer.store.db import open_database
from tests.fakes.server import free_port

SECRET = "chaos"


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli.main", *args],
        env={**os.environ, **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def delivery(number: int) -> tuple[bytes, dict[str, str]]:
    from reviewer.webhooks import sign
    from tests.conftest import pr_payload

    pull = SimpleNamespace(
        number=number,
        draft=False,
        title="t",
        body="b",
        head_sha=uuid.uuid4().hex + "00000000",
        base_sha="0" * 40,
        author="alice",
    )
    payload = pr_payload("opened", pull)
    payload["installation"] = {"id": INSTALLATION}
    body = json.dumps(payload).encode()
    return body, {
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(SECRET.encode(), body),
        "Content-Type": "application/json",
    }


async def ack_at_rate(ports: list[int], rate: int, seconds: float, first: int) -> dict[str, Any]:
    count = int(rate * seconds)
    items = [delivery(first + i) for i in range(count)]
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:

        async def one(i: int, start: float) -> None:
            nonlocal errors
            await asyncio.sleep(max(start + i / rate - time.perf_counter(), 0))
            body, headers = items[i]
            sent = time.perf_counter()
            try:
                r = await client.post(
                    f"http://127.0.0.1:{ports[i % 2]}/webhook", content=body, headers=headers
                )
                if r.status_code != 202:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - sent)

        start = time.perf_counter() + 0.1
        await asyncio.gather(*(one(i, start) for i in range(count)))
    latencies.sort()
    return {
        "rate": rate,
        "sent": count,
        "errors": errors,
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
    }


def fresh_db(admin: Any, base: str) -> tuple[str, str]:
    name = f"reviewer_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return name, f"{base.rsplit('/', 1)[0]}/{name}"


def main() -> None:
    from tests.fakes import FakeGitHub, generate_app_keypair, running
    from tests.fakes.models import ScriptedModel, answer
    from tests.fakes.openai import FakeOpenAI

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="100,200,400,800")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--reviews", type=int, default=24)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--model-latency", type=float, default=0.5)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-ack", action="store_true")
    args = parser.parse_args()

    private_key, public_key = generate_app_keypair()
    fake = FakeGitHub(app_id=APP_ID, public_key=public_key, app_slug=SLUG)
    fake.add_installation(INSTALLATION, "acme")
    fake.add_repo(REPO, collaborators={"alice": "write"})
    model = ScriptedModel(answer(delay=args.model_latency))
    admin = create_engine(
        args.postgres.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    results: dict[str, Any] = {"ack": [], "throughput": []}
    names: list[str] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        running(fake.app) as origin,
        running(FakeOpenAI(model)) as model_origin,
    ):
        fake.api_url = origin + "/api/v3"
        try:
            if not args.skip_ack:
                name, url = fresh_db(admin, args.postgres)
                names.append(name)
                open_database(url).dispose()
                env = chaos_env(fake, private_key, url)
                ports = [free_port(), free_port()]
                apis = [
                    spawn(["serve", "--no-worker", "--port", str(p)], env, Path(tmp) / f"{p}.log")
                    for p in ports
                ]
                try:
                    for port in ports:
                        deadline = time.monotonic() + 30
                        while time.monotonic() < deadline:
                            try:
                                httpx.get(f"http://127.0.0.1:{port}/healthz")
                                break
                            except httpx.HTTPError:
                                time.sleep(0.1)
                    asyncio.run(ack_at_rate(ports, 20, 1, 1))  # warm-up
                    first = 100_000
                    for rate in [int(r) for r in args.rates.split(",")]:
                        row = asyncio.run(ack_at_rate(ports, rate, args.seconds, first))
                        first += row["sent"]
                        results["ack"].append(row)
                        print(json.dumps(row), flush=True)
                finally:
                    for proc in apis:
                        proc.terminate()
                        proc.wait(timeout=15)
            for workers in [int(w) for w in args.workers.split(",")]:
                name, url = fresh_db(admin, args.postgres)
                names.append(name)
                engine = open_database(url)
                queue = make_queue(Settings(database_url=url), engine)
                env = {
                    **chaos_env(fake, private_key, url),
                    "REVIEWER_MODELS": "openai:gpt-5-mini",
                    "REVIEWER_OPENAI_API_KEY": "test-openai-key",
                    "REVIEWER_OPENAI_BASE_URL": model_origin + "/v1",
                    "REVIEWER_JOB_LEASE_SECONDS": "30",
                }
                jobs = []
                for i in range(args.reviews):
                    number = 10_000 * workers + i
                    head = make_pr(fake, number)
                    request = JobRequest(
                        kind=JobKind.review,
                        installation_id=INSTALLATION,
                        repo=REPO,
                        pr=number,
                        head_sha=head,
                    )
                    jobs.append(queue.enqueue(request, None).job_id)
                procs = [
                    spawn(["worker"], env, Path(tmp) / f"w{workers}-{i}.log")
                    for i in range(workers)
                ]
                started = time.monotonic()
                try:
                    while True:
                        views = [queue.get(j) for j in jobs if j is not None]
                        if all(v is not None and v.state is JobState.done for v in views):
                            break
                        if time.monotonic() - started > 900:
                            raise RuntimeError("throughput run did not finish")
                        time.sleep(0.1)
                finally:
                    for proc in procs:
                        proc.terminate()
                        proc.wait(timeout=30)
                views = [queue.get(j) for j in jobs if j is not None]
                # Drain time from the first start to the last finish (process boot excluded).
                first_start = min(v.started_at or 0 for v in views if v is not None)
                last_done = max(v.finished_at or 0 for v in views if v is not None)
                span = last_done - first_start
                row = {
                    "workers": workers,
                    "reviews": args.reviews,
                    "seconds": round(span, 2),
                    "reviews_per_second": round(args.reviews / span, 2),
                    "model_latency_s": args.model_latency,
                }
                results["throughput"].append(row)
                print(json.dumps(row), flush=True)
                engine.dispose()
        finally:
            with admin.connect() as conn:
                for name in names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
