"""Scale: a synthetic repository of 20,000 Python files; the trace must finish, bounded.

    python -m benchmarks.tracing.scale --files 20000

Files live in 200 packages; each defines three functions and calls two functions of
other modules; one target function is called from ``--callers`` files. A one-line change
to the target is traced cold in a fresh process, which prints its time and peak RSS; the
baseline in the same run is the same trace on a repository of 1,000 files, to show that
cost follows the candidates (files that mention the name), not the size of the tree.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

from benchmarks.tracing.common import git
from benchmarks.tracing.speed import run_child

TEMPLATE = '''"""Module {i}."""
from pkg{pa}.mod{ma} import func{fa}_a
from pkg{pb}.mod{mb} import func{fb}_b


def func{i}_a(x):
    return func{fa}_a(x) + 1


def func{i}_b(x):
    return func{fb}_b(x) * 2


class Thing{i}:
    def run(self, y):
        return self.helper(y) + func{i}_a(y)

    def helper(self, y):
        return y
'''


def generate(root: Path, files: int, callers: int) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(7)
    per_package = 100
    for i in range(files):
        package = i // per_package
        folder = root / f"pkg{package}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").touch()
        a, b = rng.randrange(files), rng.randrange(files)
        text = TEMPLATE.format(
            i=i, pa=a // per_package, ma=a, fa=a, pb=b // per_package, mb=b, fb=b
        )
        if 0 < i <= callers:
            text += f"\nfrom pkg0.mod0 import target\n\n\ndef use{i}():\n    return target({i})\n"
        (folder / f"mod{i}.py").write_text(text)
    (root / "pkg0" / "mod0.py").write_text(
        (root / "pkg0" / "mod0.py").read_text() + "\n\ndef target(n):\n    return n\n"
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "synthetic")
    target = root / "pkg0" / "mod0.py"
    target.write_text(target.read_text().replace("    return n\n", "    return n + 1\n"))
    git(root, "commit", "-qam", "change target")
    return root


def measure(root: Path, files: int, callers: int) -> dict[str, object]:
    repo = generate(root, files, callers)
    base = git(repo, "rev-parse", "HEAD~1").strip()
    cache = root.parent / f"{root.name}-cache"
    shutil.rmtree(cache, ignore_errors=True)
    run = run_child("--child", str(repo), base, str(cache))
    run.pop("sites")
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--callers", type=int, default=50)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/trace-bench"))
    args = parser.parse_args()
    small = measure(args.workdir / "synthetic-1000", 1000, args.callers)
    large = measure(args.workdir / f"synthetic-{args.files}", args.files, args.callers)
    print(f"baseline 1,000 files: {small}")
    print(f"{args.files:,} files: {large}")
    print(
        f"time ratio {float(large['trace_s']) / float(small['trace_s']):.1f}x, "  # type: ignore[arg-type]
        f"peak RSS ratio {float(large['peak_rss_mb']) / float(small['peak_rss_mb']):.2f}x "  # type: ignore[arg-type]
        f"for {args.files / 1000:.0f}x the files"
    )


if __name__ == "__main__":
    main()
