"""Speed and memory of a trace on the sympy sdist: cold, complete, indexed, warm.

    python -m benchmarks.tracing.speed                       # sympy==1.13.3, two functions

For each function a commit touches one line inside it; each run is a fresh process (so
peak RSS is the run's own):

* *cold*: empty facts cache, default time budget (what a first review pays);
* *cold, no budget*: empty cache, budget lifted, every candidate read;
* *again*: the cache that complete run filled (a re-review after a push);
* *index*: ``reviewer trace --index`` fills an empty cache with the whole tree;
* *warm*: a trace on that filled cache.

The baseline, measured in the same run, is what a tracer without candidate search pays:
parsing every Python file of the tree once (serially), which also gives files parsed per
second per core.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from benchmarks.tracing.common import git, peak_rss_mb, run_sampled, sdist_repo

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
    from reviewer.gitlocal import LocalRepo
    from subagents.tracing.cache import FactCache
    from subagents.tracing.query import trace_change
    from subagents.tracing.source import GitTreeSource

    imported = time.perf_counter()
    local = LocalRepo(repo)
    files = local.file_diffs(base, "HEAD")
    trace = trace_change(GitTreeSource(repo, "HEAD"), files, FactCache(cache))
    done = time.perf_counter()
    print(json.dumps({
        "import_s": round(imported - started, 3), "trace_s": round(done - imported, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1), "edges": len(trace.edges),
        "changed": [c.symbol for c in trace.changed], **trace.stats,
        "sites": sorted({f"{e.kind} {e.path}:{e.line} {e.symbol}" for e in trace.edges}),
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


def index_child(repo: Path, cache: Path) -> None:
    """``index_tree`` in this process (what ``reviewer trace --index`` runs)."""
    from subagents.tracing.cache import FactCache
    from subagents.tracing.index import index_tree
    from subagents.tracing.source import GitTreeSource

    report = index_tree(GitTreeSource(repo), FactCache(cache))
    print(json.dumps({"index_s": round(report.seconds, 3), "files_parsed": report.parsed,
                      "peak_rss_mb": round(peak_rss_mb(), 1)}))  # fmt: skip


def run_child(*args: str, budget: float | None = None) -> dict[str, object]:
    env = dict(os.environ)
    if budget is not None:
        env["REVIEWER_TRACE_TIME_BUDGET_SECONDS"] = str(budget)
    out, tree_peak = run_sampled([sys.executable, "-m", "benchmarks.tracing.speed", *args], env)
    return {**json.loads(out.strip().splitlines()[-1]), "tree_peak_pss_mb": round(tree_peak, 1)}


def measure(repo: Path, spec: str, workdir: Path) -> dict[str, dict[str, object]]:
    base = touch_function(repo, spec)
    cache = str(workdir / "speed-cache")
    trace = ["--child", str(repo), base, cache]
    runs: dict[str, dict[str, object]] = {}
    shutil.rmtree(cache, ignore_errors=True)
    runs["cold"] = run_child(*trace)
    shutil.rmtree(cache, ignore_errors=True)
    runs["cold, no budget"] = run_child(*trace, budget=1000)
    runs["again"] = run_child(*trace)
    shutil.rmtree(cache, ignore_errors=True)
    runs["index"] = run_child("--index-child", str(repo), cache)
    runs["warm"] = run_child(*trace)
    git(repo, "reset", "-q", "--hard", base)
    complete = set(runs["cold, no budget"]["sites"])  # type: ignore[call-overload]
    for run in runs.values():
        if "sites" in run:  # how much of the complete trace each run found
            found = set(run.pop("sites"))  # type: ignore[call-overload]
            run["share_of_complete"] = round(len(found & complete) / max(len(complete), 1), 3)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requirement", default="sympy==1.13.3")
    parser.add_argument("--functions", nargs="*", default=DEFAULT_FUNCTIONS)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/trace-bench"))
    parser.add_argument("--child", nargs=3, metavar=("REPO", "BASE", "CACHE"))
    parser.add_argument("--index-child", nargs=2, metavar=("REPO", "CACHE"))
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1], Path(args.child[2]))
        return
    if args.index_child:
        index_child(Path(args.index_child[0]), Path(args.index_child[1]))
        return
    repo = sdist_repo(args.requirement, args.workdir)
    baseline = full_index(repo)
    print(f"baseline full index: {json.dumps(baseline)}", flush=True)
    for spec in args.functions:
        print(spec, flush=True)
        for name, run in measure(repo, spec, args.workdir).items():
            seconds = float(run.get("trace_s", run.get("index_s", 0)))  # type: ignore[arg-type]
            ratio = seconds / baseline["seconds"]
            print(f"  {name:16} {seconds:6.2f} s ({ratio:.3f}x the full index)  "
                  f"{json.dumps(run)}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
