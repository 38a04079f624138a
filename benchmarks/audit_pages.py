"""The auditors' decision list at scale: one page of ``/audit/decisions`` (real HTTP,
signed in, rendered) on a 1,000,000-entry log, with and without filters, at the newest and
at a deep page. Baseline in the same run: the same requests on a 10,000-entry log, so the
ratio shows whether a page's cost grows with the log. Target: < 200 ms per page.

    python -m benchmarks.audit_pages [--entries 1000000] [--small 10000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.audit import build_chain
from reviewer.app import create_app
from reviewer.audit.log import AuditLog
from reviewer.queue.sqlite import SqliteJobQueue
from reviewer.report import decisions
from reviewer.settings import load_settings
from reviewer.store.db import open_database
from reviewer.web.pages import audit_pages_router
from tests.fakes import running

TOKEN = "benchmark-audit-token-of-a-decent-length"
CODES = ("size.lines", "finding.major", "path.sensitive", "author.untrusted", "model.skipped")
RARE = "policy.self_edit"  # on one decision in 5,000


def payload(seq: int) -> dict[str, Any]:
    verdict = ("human", "human", "shadow_approve", "approve")[seq % 4]
    codes = [] if verdict != "human" else [CODES[seq % 5], CODES[(seq // 5) % 5]]
    if seq % 5000 == 0:
        verdict, codes = "human", [RARE]
    return {
        "verdict": verdict,
        "author_type": "ai" if seq % 7 == 0 else "human",
        "reasons": [{"source": "gate", "code": c, "message": c} for c in sorted(set(codes))],
    }


@contextmanager
def site(folder: Path, entries: int) -> Iterator[tuple[httpx.Client, float]]:
    url = f"sqlite:///{folder / 'audit.db'}"
    engine = open_database(url)
    build_chain(engine, entries, repos=500, payload_for=payload)
    started = time.perf_counter()
    decisions.sync(engine)
    indexing = time.perf_counter() - started
    settings = load_settings(webhook_secret="s", database_url=url, audit_token=TOKEN)
    app = create_app(
        settings,
        SqliteJobQueue(engine),
        routers=[audit_pages_router(AuditLog(engine), TOKEN, 3600)],
    )
    with running(app) as base, httpx.Client(base_url=base) as client:
        form = client.get("/audit/sign-in").text
        nonce = re.search(r'name="form_nonce" value="([^"]+)"', form)
        assert nonce is not None
        signed = client.post("/audit/sign-in", data={"form_nonce": nonce[1], "token": TOKEN})
        assert signed.status_code == 303
        yield client, indexing


def scenarios(entries: int) -> dict[str, dict[str, Any]]:
    return {
        "newest page, no filter": {},
        "deep page (10 % from the start)": {"before": entries // 10},
        "verdict=approve": {"verdict": "approve"},
        "repo": {"repo": "org/repo7"},
        "repo + PR": {"repo": "org/repo7", "pr": 7},
        "author=ai + verdict=human": {"author_type": "ai", "verdict": "human"},
        f"rare reason code ({RARE})": {"code": RARE},
        "date range (one day)": {"since": "2026-01-05", "until": "2026-01-05"},
        "no match (ai + approve, a day before the log)": {
            "author_type": "ai",
            "verdict": "approve",
            "since": "2025-12-30",
            "until": "2025-12-30",
        },
        "repo + verdict + author": {
            "repo": "org/repo7",
            "verdict": "human",
            "author_type": "ai",
        },
    }


def measure(client: httpx.Client, params: dict[str, Any], repeat: int) -> tuple[float, int]:
    samples = []
    rows = 0
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get("/audit/decisions", params=params)
        samples.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text[:300]
        rows = answer.text.count('<tr><td class="num">')
    return statistics.median(samples) * 1000, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    results: dict[int, dict[str, tuple[float, int]]] = {}
    for size in (args.small, args.entries):
        with tempfile.TemporaryDirectory() as tmp, site(Path(tmp), size) as (client, indexing):
            print(f"{size:,} entries: first index build {indexing:.1f} s")
            started = time.perf_counter()
            client.get("/audit/decisions")  # index already current: the per-request sync
            warm = 1000 * (time.perf_counter() - started)
            print(f"  warm request (sync finds nothing new) {warm:.0f} ms")
            results[size] = {
                name: measure(client, params, args.repeat)
                for name, params in scenarios(size).items()
            }
    print(f"\n| page | {args.entries:,} entries | rows | {args.small:,} entries | ratio |")
    print("|---|---|---|---|---|")
    for name in scenarios(args.entries):
        big, rows = results[args.entries][name]
        small, _ = results[args.small][name]
        flag = "" if big < 200 else " (over 200 ms)"
        print(f"| {name} | {big:.1f} ms{flag} | {rows} | {small:.1f} ms | {big / small:.2f} |")


if __name__ == "__main__":
    main()
