"""Speed and memory of a trace on the sympy sdist: cold, warm, and a full-index baseline.

    python -m benchmarks.tracing.speed                       # sympy==1.13.3, two functions

For each function a commit touches one line inside it; each run is a fresh process (so
peak RSS is the run's own): *cold* with an empty facts cache, then *warm* with the cache
the cold run filled. The baseline, measured in the same run, is what a tracer without
candidate search pays: parsing every Python file of the tree once (serially), which also
gives files parsed per second per core.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.tracing.common import git, peak_rss_mb, sdist_repo

DEFAULT_FUNCTIONS = ["sympy/simplify/radsimp.py:collect_const", "sympy/core/sympify.py:sympify"]


def touch_function(repo: Path, spec: str) -> str:
    """Commit a one-line change inside ``path:name``; returns the base commit."""
    path, name = spec.split(":")
    lines = (repo / path).read_text().split("\n")
    row = next(i for i, line in enumerate(lines) if line.lstrip().startswith(f"def {name}("))
    indent = len(lines[row]) - len(lines[row].lstrip()) + 4
    while not lines[row].rstrip().endswith(":"):
        row += 1
    base = git(repo, "rev-parse", "HEAD").strip()
    lines.insert(row + 1, " " * indent + "# benchmark edit")
    (repo / path).write_text("\n".join(lines))
    git(repo, "commit", "-qam", f"touch {spec}")
    return base


def child(repo: Path, base: str, cache: Path) -> None:
    """One trace in this process; prints a JSON line with time, RSS and counts."""
    started = time.perf_counter()
    from reviewer.diff import split_git_diff
    from reviewer.gitlocal import LocalRepo
    from subagents.tracing.cache import FactCache
    from subagents.tracing.query import trace_change
    from subagents.tracing.source import GitTreeSource

    imported = time.perf_counter()
    local = LocalRepo(repo)
    files = split_git_diff(local.diff(base, "HEAD"))
    trace = trace_change(GitTreeSource(repo, "HEAD"), files, FactCache(cache))
    done = time.perf_counter()
    print(json.dumps({
        "import_s": round(imported - started, 3), "trace_s": round(done - imported, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1), "edges": len(trace.edges),
        "changed": [c.symbol for c in trace.changed], **trace.stats,
    }))  # fmt: skip


def full_index(repo: Path) -> dict[str, float]:
    """The baseline: parse every Python file of the tree, serially, no cache."""
    from subagents.tracing.facts import extract
    from subagents.tracing.source import GitTreeSource

    source = GitTreeSource(repo)
    entries = [e for e in source.entries() if e.path.endswith(".py")]
    contents = source.read(entries)
    started = time.perf_counter()
    for data in contents.values():
        extract("python", data)
    seconds = time.perf_counter() - started
    return {"files": len(contents), "seconds": round(seconds, 2),
            "files_per_s_per_core": round(len(contents) / seconds, 1)}  # fmt: skip


def run_child(repo: Path, base: str, cache: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.tracing.speed", "--child", str(repo), base, str(cache)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requirement", default="sympy==1.13.3")
    parser.add_argument("--functions", nargs="*", default=DEFAULT_FUNCTIONS)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/trace-bench"))
    parser.add_argument("--child", nargs=3, metavar=("REPO", "BASE", "CACHE"))
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1], Path(args.child[2]))
        return
    repo = sdist_repo(args.requirement, args.workdir)
    baseline = full_index(repo)
    print(f"baseline full index: {json.dumps(baseline)}")
    for spec in args.functions:
        base = touch_function(repo, spec)
        cache = args.workdir / "speed-cache"
        shutil.rmtree(cache, ignore_errors=True)
        cold = run_child(repo, base, cache)
        warm = run_child(repo, base, cache)
        print(f"{spec}\n  cold: {json.dumps(cold)}\n  warm: {json.dumps(warm)}")
        print(
            f"  cold {cold['trace_s']} s ({float(cold['trace_s']) / baseline['seconds']:.2f}x the "  # type: ignore[arg-type]
            f"full index), warm {warm['trace_s']} s "
            f"({float(warm['trace_s']) / baseline['seconds']:.3f}x); peak RSS cold "  # type: ignore[arg-type]
            f"{cold['peak_rss_mb']} MB, warm {warm['peak_rss_mb']} MB"
        )
        git(repo, "reset", "-q", "--hard", base)


if __name__ == "__main__":
    main()
