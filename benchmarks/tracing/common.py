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
import time
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
    """Peak resident set size of this process so far, in MB.

    ``VmHWM`` rather than ``getrusage``: Linux carries ``ru_maxrss`` across ``execve``, so
    a child started by a large parent would report the parent's size as its own.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pss_kb(pid: int) -> int:
    """Proportional set size: pages shared with other processes (a worker with its fork
    server) count in proportion, so a tree's sum is the memory it really holds."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass  # exited while we looked
    return 0


def _tree_pss_kb(root: int) -> int:
    """Memory of ``root`` and all its descendants (the tracer's worker processes are
    children of a fork server the traced process started)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
        except (OSError, ValueError):
            continue  # the process exited while we looked
    family, grew = {root}, True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in family} - family
        family |= more
        grew = bool(more)
    return sum(_pss_kb(pid) for pid in family)


def run_sampled(command: list[str], env: dict[str, str] | None = None) -> tuple[str, float]:
    """Run ``command``; return its stdout and the peak memory (PSS) of its whole process
    tree in MB, sampled every 20 ms."""
    peak = 0
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, env=env)
        while proc.poll() is None:
            peak = max(peak, _tree_pss_kb(proc.pid))
            time.sleep(0.02)
        if proc.returncode:
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            raise subprocess.CalledProcessError(proc.returncode, command, stderr=stderr)
        out.seek(0)
        return out.read().decode(), peak / 1024
