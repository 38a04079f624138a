#!/usr/bin/env python3
"""Build eval cases from BugsInPy bugs (https://github.com/soarsmu/BugsInPy) and the
project's own git history.

For every bug, two cases are written to ``<out>/<project>-<n>-bug`` and ``-fix``:

- ``bug`` (label ``buggy``): base = the touched files at the upstream fix commit,
  head = the same files with BugsInPy's fix patch reverted, i.e. the change that
  introduces the bug. Expected findings: the lines the revert changes (head side), with
  the fix commit's subject as the description.
- ``fix`` (label ``clean``): base = the buggy files, head = the fixed files: the real
  upstream fix, a change the project's maintainers merged with a test that proves it.

Only the files the fix touches are kept (small cases), with the project's licence
copied to ``<out>/../licences/``. Usage (git dirs may be bare mirrors)::

    python eval/build_bugsinpy.py --bugsinpy PATH/BugsInPy --repo PATH/thefuck \\
        --project thefuck --licence MIT --bugs 1-32 --out eval/dataset/cases
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

MAX_FILES = 3
MAX_CHANGED_LINES = 60
MAX_FILE_LINES = 2000
MERGE_GAP = 3


def git(repo: Path, *args: str, input: str | None = None) -> str:
    flag = "--git-dir" if (repo / "HEAD").is_file() and not (repo / ".git").exists() else "-C"
    return subprocess.run(
        ["git", flag, str(repo), *args], check=True, capture_output=True, text=True, input=input
    ).stdout


def info(text: str) -> dict[str, str]:
    return dict(re.findall(r'^(\w+)="?(.*?)"?$', text, re.M))


def reverse_apply(files: dict[str, str], patch: str) -> dict[str, str] | None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        done = subprocess.run(
            ["git", "-C", str(root), "apply", "-R", "--whitespace=nowarn", "-"],
            input=patch,
            text=True,
            capture_output=True,
        )
        if done.returncode != 0:
            return None
        return {rel: (root / rel).read_text() for rel in files}


def expected_ranges(base: str, head: str) -> list[tuple[int, int]]:
    """Changed line ranges on the head side (1-based), nearby hunks merged."""
    a, b = base.splitlines(), head.splitlines()
    spans: list[list[int]] = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        start, end = (j1 + 1, j2) if j2 > j1 else (max(j1, 1), max(j1, 1))
        if spans and start - spans[-1][1] <= MERGE_GAP:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [(s, e) for s, e in spans]


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def build(args: argparse.Namespace) -> None:
    lo, _, hi = args.bugs.partition("-")
    out = Path(args.out)
    licences = out.parent / "licences"
    licences.mkdir(parents=True, exist_ok=True)
    written = skipped = 0
    for n in range(int(lo), int(hi or lo) + 1):
        where = f"projects/{args.project}/bugs/{n}"
        try:
            meta = info(git(args.bugsinpy, "show", f"HEAD:{where}/bug.info"))
            patch = git(args.bugsinpy, "show", f"HEAD:{where}/bug_patch.txt")
        except subprocess.CalledProcessError:
            print(f"{args.project}-{n}: no such bug")
            continue
        fixed = meta["fixed_commit_id"]
        paths = re.findall(r"^diff --git a/(\S+) b/\S+$", patch, re.M)
        changed = sum(
            1 for line in patch.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
        )
        if not paths or len(paths) > MAX_FILES or changed > MAX_CHANGED_LINES:
            print(f"{args.project}-{n}: skipped ({len(paths)} files, {changed} lines)")
            skipped += 1
            continue
        try:
            after = {p: git(args.repo, "show", f"{fixed}:{p}") for p in paths}
        except subprocess.CalledProcessError as exc:
            print(f"{args.project}-{n}: skipped (fix commit unreadable: {exc.stderr.strip()})")
            skipped += 1
            continue
        if any(len(t.splitlines()) > MAX_FILE_LINES for t in after.values()):
            print(f"{args.project}-{n}: skipped (file too large)")
            skipped += 1
            continue
        before = reverse_apply(after, patch)
        if before is None or before == after:
            print(f"{args.project}-{n}: skipped (patch does not revert cleanly)")
            skipped += 1
            continue
        message = git(args.repo, "log", "-1", "--format=%B", fixed).strip()
        subject = message.splitlines()[0] if message else f"fix of BugsInPy {args.project}/{n}"
        body = "\n".join(message.splitlines()[1:]).strip()
        licence_src = git(args.repo, "ls-tree", "--name-only", fixed).split()
        for name in licence_src:
            if name.upper().startswith(("LICENSE", "LICENCE", "COPYING")):
                dest = licences / f"{args.project}-{name}"
                if not dest.exists():
                    dest.write_text(git(args.repo, "show", f"{fixed}:{name}"))
        source = {
            "project": args.project,
            "repository": args.repository,
            "licence": args.licence,
            "commit": fixed,
            "parent": meta.get("buggy_commit_id"),
            "origin": f"BugsInPy {args.project}/{n} (bug.info, bug_patch.txt)",
        }
        expected = []
        for path in paths:
            for start, end in expected_ranges(after[path], before[path]):
                expected.append(
                    {
                        "path": path,
                        "start_line": start,
                        "end_line": end,
                        "description": f"Bug fixed upstream in {fixed[:12]}: {subject}",
                    }
                )
        cases = {
            f"{args.project}-{n}-bug": (
                {
                    "label": "buggy",
                    "expected_verdict": "human",
                    "title": f"Update {', '.join(paths)}",
                    "description": "",
                    "how": "the upstream fix reverted: base = fixed files, head = buggy files",
                    "expected_findings": expected,
                },
                after,
                before,
            ),
            f"{args.project}-{n}-fix": (
                {
                    "label": "clean",
                    "expected_verdict": "approve",
                    "title": subject,
                    "description": body,
                    "how": "the upstream fix as merged: base = buggy files, head = fixed files",
                    "expected_findings": [],
                    "mirror_of": f"{args.project}-{n}-bug",  # its snapshots, swapped
                },
                None,
                None,
            ),
        }
        for case_id, (spec, base, head) in cases.items():
            root = out / case_id
            if root.exists():
                shutil.rmtree(root)
            if base is not None and head is not None:
                write_tree(root / "base", base)
                write_tree(root / "head", head)
            else:
                root.mkdir(parents=True)
            how = spec.pop("how")
            case = {"id": case_id, **spec, "source": {**source, "how": how}}
            (root / "case.json").write_text(json.dumps(case, indent=2) + "\n")
            written += 1
        print(f"{args.project}-{n}: ok ({len(paths)} files, {changed} lines)")
    print(f"{written} cases written, {skipped} bugs skipped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bugsinpy", type=Path, required=True)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--repository", default=None, help="Upstream URL (default: GitHub).")
    parser.add_argument("--licence", required=True, help="SPDX id of the project's licence.")
    parser.add_argument("--bugs", required=True, help="N or N-M")
    parser.add_argument("--out", default="eval/dataset/cases")
    args = parser.parse_args()
    if args.repository is None:
        args.repository = info(
            git(args.bugsinpy, "show", f"HEAD:projects/{args.project}/project.info")
        )["github_url"]
    build(args)


if __name__ == "__main__":
    main()
