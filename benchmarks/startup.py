"""Start-up of the command line, beside the floor of ``import typer, rich``, in one run.

What a new user waits for: ``reviewer --help``, ``reviewer --version``, and a local
review of a one-file change (markdown, audit entry written, as ``reviewer review --repo
. --base HEAD~1`` runs it). Each command is a fresh process, run ``--runs`` times after
one unmeasured warm-up (bytecode compiled, database created and migrated); the table
shows the median and the fastest wall time, and CPU (user + system) of the median run.

Targets (issue 18): ``--help`` and ``--version`` at most 2x the floor, the one-file
review at most 1 s.

    python -m benchmarks.startup --runs 15
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Dev",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Dev",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
}


@dataclass
class Timing:
    name: str
    wall_s: list[float]
    cpu_s: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.wall_s)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_s)


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(name: str, argv: list[str], env: dict[str, str], runs: int) -> Timing:
    _run(argv, env)  # warm-up: .pyc files, the database, the tracer's cache
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = _run(argv, env)
        walls.append(wall)
        cpus.append(cpu)
    return Timing(name, walls, cpus)


def one_file_change(root: Path) -> Path:
    """A repository whose newest commit changes one Python function."""
    repo = root / "repo"
    repo.mkdir()
    env = {**os.environ, **GIT_ENV}

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)

    git("init", "-q", "-b", "main")
    (repo / "orders.py").write_text("def total(items):\n    return sum(items)\n")
    git("add", "-A")
    git("commit", "-q", "-m", "Initial import")
    (repo / "orders.py").write_text(
        "def total(items, discount=0):\n    return sum(items) - discount\n"
    )
    git("commit", "-q", "-am", "Apply a discount to the order total\n\nTested with pytest.")
    return repo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="measured runs per command")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 200:
        parser.error("--runs must be between 1 and 200")
    reviewer = str(Path(sys.executable).parent / "reviewer")
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as tmp:
        repo = one_file_change(Path(tmp))
        env = {
            **os.environ,
            "REVIEWER_DATABASE_URL": f"sqlite:///{Path(tmp) / 'reviewer.db'}",
            "REVIEWER_TRACE_CACHE_DIR": str(Path(tmp) / "trace-cache"),
        }
        env.pop("REVIEWER_MODELS", None)
        # As on a usual machine, where Python caches the bytecode of our modules (some
        # sandboxes and CI set this, which recompiles every module of ours on each start).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        floor_argv = [sys.executable, "-c", "import typer, rich"]
        floor = measure("floor: import typer, rich", floor_argv, env, args.runs)
        rows = [
            floor,
            measure("reviewer --help", [reviewer, "--help"], env, args.runs),
            measure("reviewer --version", [reviewer, "--version"], env, args.runs),
            measure(
                "review, one-file change",
                [reviewer, "review", "--repo", str(repo), "--base", "HEAD~1"],
                env,
                args.runs,
            ),
        ]
    print(
        f"{args.runs} runs per command after one warm-up, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    head = f"{'command':<28}{'median ms':>10}{'min ms':>9}{'CPU ms':>9}{'x floor':>9}"
    print(head)
    print("-" * len(head))
    for row in rows:
        print(
            f"{row.name:<28}{row.median * 1000:>10.0f}{min(row.wall_s) * 1000:>9.0f}"
            f"{row.cpu_median * 1000:>9.0f}{row.median / floor.median:>9.2f}"
        )
    help_ok = all(r.median <= 2 * floor.median for r in rows[1:3])
    review_ok = rows[3].median <= 1.0
    print(
        f"targets: --help/--version <= 2x floor: {'met' if help_ok else 'NOT met'}; "
        f"one-file review <= 1 s: {'met' if review_ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
