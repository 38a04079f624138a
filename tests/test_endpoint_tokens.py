"""The read-only endpoints against an outsider: ``reviewer serve`` and ``reviewer worker`` as
real processes, probed over HTTP without (or with a wrong) bearer token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.fakes.server import free_port

GOOD_TOKEN = "t" * 40


@contextmanager
def started(args: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[str]]:
    """The command running until it answers on ``port`` or exits (then the caller reads why)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWER_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewer.cli.main", *args],
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, up = time.monotonic() + 120, False  # a loaded machine starts slowly
        while not up and time.monotonic() < deadline and proc.poll() is None:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                up = True  # any answer: the worker's metrics port has no /healthz
            except httpx.HTTPError:
                time.sleep(0.1)
        if not up and proc.poll() is None:
            pytest.fail(f"{args[0]} neither answered on port {port} nor exited")
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def _serve_env(sqlite_url: str, **extra: str) -> dict[str, str]:
    return {"REVIEWER_DATABASE_URL": sqlite_url, "REVIEWER_WEBHOOK_SECRET": "s" * 32, **extra}


@pytest.mark.parametrize("token", ["", "short-token"])
def test_serve_refuses_to_open_the_audit_api_with_a_weak_token(sqlite_url: str, token: str) -> None:
    port = free_port()
    args = ["serve", "--no-worker", "--port", str(port)]
    with started(args, _serve_env(sqlite_url, REVIEWER_AUDIT_TOKEN=token), port) as proc:
        if proc.poll() is None:  # it started: the attack is an unauthenticated read
            entries = httpx.get(f"http://127.0.0.1:{port}/api/audit/entries", timeout=5)
            pytest.fail(f"serve started with a weak audit token; /api/audit: {entries.status_code}")
    _, stderr = proc.communicate()
    assert proc.returncode != 0
    assert "REVIEWER_AUDIT_TOKEN" in stderr and "32 characters" in stderr


def test_metrics_token_guards_the_api_metrics(sqlite_url: str) -> None:
    port = free_port()
    env = _serve_env(sqlite_url, REVIEWER_METRICS_TOKEN=GOOD_TOKEN)
    with started(["serve", "--no-worker", "--port", str(port)], env, port):
        url = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(url, timeout=5).status_code == 401
        wrong = httpx.get(url, headers={"Authorization": "Bearer " + "x" * 40}, timeout=5)
        assert wrong.status_code == 401
        good = httpx.get(url, headers={"Authorization": f"Bearer {GOOD_TOKEN}"}, timeout=5)
        assert good.status_code == 200 and "reviewer_queue_jobs" in good.text
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200


def test_metrics_token_guards_the_worker_metrics_port(sqlite_url: str) -> None:
    port = free_port()
    env = {"REVIEWER_DATABASE_URL": sqlite_url, "REVIEWER_METRICS_TOKEN": GOOD_TOKEN}
    with started(["worker", "--metrics-port", str(port)], env, port) as proc:
        assert proc.poll() is None
        url = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(url, timeout=5).status_code == 401
        good = httpx.get(url, headers={"Authorization": f"Bearer {GOOD_TOKEN}"}, timeout=5)
        assert good.status_code == 200 and "reviewer_queue_jobs" in good.text
