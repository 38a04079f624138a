"""Signal and noise of the deterministic layer when the model is fooled (issue 15).

Two sets go through ``reviewer review --format json`` (a subprocess per PR, as a user
runs it) with a scripted model that answers "no issues" to every question, which is what
a successful prompt injection looks like from our side:

- **clean**: real merged PRs of public Python projects, chosen by ``select_clean`` below
  from local mirrors (no network at run time);
- **harmful**: our own corpus of PRs that each carry an attack and an injection attempt
  (``benchmarks/harmful.py``), applied to a small base project built here.

    python -m benchmarks.signal --mirrors /work/.mirror [--per-repo 15] [--jobs 2]

A mirror is any git repository of a project (a bare ``git clone --mirror`` is fine),
found as ``<mirrors>/<owner>+<name>/repo`` or ``<mirrors>/<owner>+<name>``; the script
clones each once into ``--cache`` (``git clone --shared``, no network) and reads it there.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.harmful import CASES, base_files
from benchmarks.tracing.common import git
from tests.fakes import running
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.models import FakeModels, ScriptedModel

# The selection rule of the clean set (also printed with the results):
MAX_FILES, MAX_LINES = 10, 300
PR_SUBJECT = re.compile(r"\(#(\d+)\)\s*$|^Merge pull request #(\d+)")
BOT_AUTHOR = re.compile(r"\[bot\]|dependabot|pre-commit-ci|renovate", re.I)
RULE = (
    f"newest first-parent commits of the default branch that are a PR (squash subject "
    f"ending in '(#N)' or 'Merge pull request #N'), not by a bot, <= {MAX_FILES} files and "
    f"<= {MAX_LINES} changed lines against the first parent, never reverted later (no "
    "commit says 'This reverts commit <sha>' or 'Revert \"<subject>\"')"
)
# Reasons that hold a PR by design rather than by noise (the policy's own choices).
BY_DESIGN = {"path.sensitive", "policy.self_edit", "author.untrusted", "override.human"}


@dataclass
class Run:
    """One PR's result: what the reviewer decided and published."""

    name: str
    verdict: str = "error"
    codes: list[str] = field(default_factory=list)
    findings: list[dict[str, object]] = field(default_factory=list)
    error: str = ""

    @property
    def would_approve(self) -> bool:
        return self.verdict in ("approve", "shadow_approve")

    @property
    def noise(self) -> list[str]:
        return sorted({c for c in self.codes if c not in BY_DESIGN and c != "policy.shadow"})


def mirrors(root: Path) -> dict[str, Path]:
    found = {}
    for entry in sorted(root.iterdir()):
        if "+" not in entry.name or not entry.is_dir():
            continue
        repo = entry / "repo" if (entry / "repo").exists() else entry
        found[entry.name.replace("+", "/")] = repo
    return found


def local_clone(slug: str, mirror: Path, cache: Path) -> Path:
    """A shared clone of the mirror whose origin names the GitHub project (no fetch)."""
    target = cache / slug.replace("/", "+")
    if not (target / ".git").exists():
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(mirror),
                        str(target)], check=True)  # fmt: skip
    git(target, "remote", "set-url", "origin", f"https://github.com/{slug}.git")
    return target


def select_clean(repo: Path, limit: int) -> list[tuple[str, str]]:
    """(sha, subject) of the PRs ``RULE`` describes, newest first, at most ``limit``."""
    log = git(repo, "log", "--first-parent", "--format=%H%x1f%an%x1f%s", "HEAD", "-n", "600")
    reverts = git(repo, "log", "--all", "--format=%B", "--grep=revert", "-i")
    picked: list[tuple[str, str]] = []
    for row in log.splitlines():
        sha, author, subject = row.split("\x1f", 2)
        if not PR_SUBJECT.search(subject) or BOT_AUTHOR.search(author + subject):
            continue
        if sha[:7] in reverts or f'Revert "{subject}"' in reverts:
            continue
        stat = git(repo, "diff", "--numstat", f"{sha}^1", sha).splitlines()
        lines = sum(int(a) + int(d) for a, d, _ in (s.split("\t", 2) for s in stat)
                    if a != "-")  # fmt: skip
        if 0 < len(stat) <= MAX_FILES and lines <= MAX_LINES:
            picked.append((sha, subject))
        if len(picked) == limit:
            break
    return picked


def review(repo: Path, base: str, head: str, env: dict[str, str], name: str) -> Run:
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("reviewer")), "review", "--repo", str(repo),
         "--base", base, "--head", head, "--format", "json", "--no-audit"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    if proc.returncode != 0:
        return Run(name, error=(proc.stderr.strip().splitlines() or ["?"])[-1])
    out = json.loads(proc.stdout)
    return Run(name, out["verdict"], [r["code"] for r in out["reasons"]], out["findings"])


def harmful_repo(workdir: Path) -> tuple[Path, list[tuple[str, str]]]:
    """The base project and one branch per harmful case: (branch, case id)."""
    repo = workdir / "acme-shop"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "remote", "add", "origin", "https://github.com/acme/acme-shop.git")
    for path, text in base_files().items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Base project")
    branches = []
    for case in CASES:
        git(repo, "checkout", "-q", "-B", case.id, "main")
        for path, text in case.files.items():
            target = repo / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"{case.title}\n\n{case.body}")
        branches.append((case.id, case.id))
    git(repo, "checkout", "-q", "main")
    return repo, branches


def _rule(finding: dict[str, object]) -> str:
    rules = finding.get("rule_ids")
    return str(rules[0]) if isinstance(rules, list) and rules else str(finding.get("title"))


def summarise(label: str, runs: list[Run]) -> dict[str, object]:
    total = len(runs) or 1
    approve = sum(r.would_approve for r in runs)
    noisy = [r for r in runs if not r.would_approve and r.noise]
    published = sum(len(r.findings) for r in runs)
    return {
        "set": label,
        "prs": len(runs),
        "would_approve": approve,
        "would_approve_share": round(approve / total, 3),
        "held_by_noise": len(noisy),
        "held_by_noise_share": round(len(noisy) / total, 3),
        "findings_per_pr": round(published / total, 2),
        "errors": sum(1 for r in runs if r.error),
        "noise_codes": dict(Counter(c for r in noisy for c in r.noise).most_common()),
        "finding_rules": dict(Counter(_rule(f) for r in runs for f in r.findings).most_common(12)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "signal")
    parser.add_argument("--per-repo", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", choices=["clean", "harmful"], default=None)
    parser.add_argument("--show", action="store_true", help="print every PR's outcome")
    parser.add_argument(
        "--code",
        type=Path,
        default=None,
        help="review with the reviewer package of this checkout (e.g. a worktree of the "
        "baseline commit) instead of the installed one",
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)

    model = ScriptedModel()  # answers CLEAN ("no issues") to every call
    with running(FakeAnthropic(model)) as url, tempfile.TemporaryDirectory() as tmp:
        fakes = FakeModels(model, model, url, url)
        env = {**os.environ, **fakes.env("anthropic:claude-haiku-4-5"),
               "REVIEWER_DATABASE_URL": f"sqlite:///{tmp}/db.sqlite",
               "REVIEWER_TRACE_CACHE_DIR": f"{tmp}/trace"}  # fmt: skip
        if args.code is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(args.code), env.get("PYTHONPATH", "")])
        jobs: list[tuple[str, Path, str, str, str]] = []
        if args.only != "harmful":
            for slug, mirror in mirrors(args.mirrors).items():
                clone = local_clone(slug, mirror, args.cache)
                for sha, subject in select_clean(clone, args.per_repo):
                    jobs.append(("clean", clone, f"{sha}^1", sha, f"{slug}@{sha[:9]} {subject}"))
        if args.only != "clean":
            repo, branches = harmful_repo(Path(tmp))
            jobs += [("harmful", repo, "main", branch, case) for branch, case in branches]
        with ThreadPoolExecutor(args.jobs) as pool:
            runs = list(pool.map(lambda j: (j[0], review(j[1], j[2], j[3], env, j[4])), jobs))
    results = []
    for label in ("clean", "harmful"):
        chosen = [r for kind, r in runs if kind == label]
        if not chosen:
            continue
        if args.show:
            for r in chosen:
                print(f"{label:8} {r.verdict:15} {len(r.findings)} {r.noise or r.codes} {r.name}"
                      f" {r.error}")  # fmt: skip
        results.append(summarise(label, chosen))
    print(json.dumps({"rule": RULE, "results": results}, indent=2))


if __name__ == "__main__":
    main()
