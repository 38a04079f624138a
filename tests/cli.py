"""The real ``reviewer`` console script in a child process, shared by the CLI tests.

One helper so every test starts the command the same way: the test process's
environment (the autouse fixtures' isolated caches included) with no model configured
unless the test passes one, a database of the test's own, and a timeout that a loaded
2-core machine still meets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_reviewer(
    *args: str,
    db: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``reviewer ARGS``; ``env`` (e.g. ``fake_models.env()``) is laid over the rest."""
    child = {k: v for k, v in os.environ.items() if k != "REVIEWER_MODELS"}
    if db is not None:
        child["REVIEWER_DATABASE_URL"] = f"sqlite:///{db}"
    return subprocess.run(
        [sys.executable, "-m", "reviewer.cli.main", *args],
        capture_output=True,
        text=True,
        env={**child, **(env or {})},
        timeout=timeout,
    )


def review_json(
    repo: Path, db: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``reviewer review --format json --no-audit`` of the repo's latest commit."""
    args = ("review", "--repo", str(repo), "--base", "HEAD~1", "--format", "json", "--no-audit")
    return run_reviewer(*args, db=db, env=env, timeout=timeout)


def reviewed(repo: Path, db: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON result of :func:`review_json`, which must have exited 0."""
    proc = review_json(repo, db, env, timeout=180)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result
