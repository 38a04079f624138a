"""Shared helpers of the tracing benchmarks: sdists from PyPI turned into git repositories.

An sdist is fetched with ``pip download --no-binary :all: --no-deps`` (the package
registry is the only network these benchmarks use), unpacked into a temporary folder,
and ``git init``-ed with one commit, so the tracer reads it as it reads a checkout.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    ).stdout


def sdist_repo(requirement: str, workdir: Path | None = None) -> Path:
    """``requests==2.32.3`` -> a git repository of its sdist (downloaded once per workdir)."""
    root = workdir or Path(tempfile.mkdtemp(prefix="trace-bench-"))
    downloads = root / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    name = requirement.split("==")[0].lower()
    archives = [p for p in downloads.glob("*.tar.gz") if p.name.lower().startswith(name + "-")]
    if not archives:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
             "--no-deps", requirement, "-d", str(downloads)],
            check=True,
        )  # fmt: skip
        archives = [p for p in downloads.glob("*.tar.gz") if p.name.lower().startswith(name + "-")]
    archive = archives[0]
    target = root / archive.name.removesuffix(".tar.gz")
    if not (target / ".git").exists():
        with tarfile.open(archive) as tar:
            tar.extractall(root, filter="data")
        git(target, "init", "-q", "-b", "main")
        git(target, "add", "-A")
        git(target, "commit", "-q", "-m", f"sdist of {requirement}")
    return target


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
