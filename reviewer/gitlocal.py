"""Thin, typed wrappers over the ``git`` CLI for local reviews and the tracer.

Every failure becomes a ``GitError`` with one line a user can act on.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from reviewer.diff import FileDiff, pair_diff
from reviewer.errors import GitError

MAX_OUTPUT_BYTES = 200 * 1024 * 1024
WORKTREE_MESSAGE = "Uncommitted changes in the working tree"


class LocalRepo:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise GitError(f"{self.path} is not a directory")
        try:
            top = self._run("rev-parse", "--show-toplevel")
        except GitError:
            raise GitError(f"{self.path} is not a git repository") from None
        self.root = Path(top.strip())

    def _run(self, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
        try:
            proc = subprocess.run(
                ["git", "-C", str(self.path), *args],
                capture_output=True,
                check=False,
                timeout=120,
                env={**os.environ, **env} if env else None,
            )
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} took longer than 120 s") from None
        if check and proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git {args[0]} failed: {message[-1] if message else proc.returncode}")
        return proc.stdout[:MAX_OUTPUT_BYTES].decode("utf-8", "replace")

    def resolve(self, ref: str) -> str:
        """The commit SHA ``ref`` names, or a clear error (single-commit repos included)."""
        try:
            return self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
        except GitError:
            if (
                ref.endswith(("~1", "^"))
                and self._run("rev-list", "--count", "HEAD").strip() == "1"
            ):
                raise GitError(
                    f"{ref!r} does not exist: the repository has a single commit, so there is "
                    "nothing to compare it with"
                ) from None
            raise GitError(f"{ref!r} is not a commit in {self.root}") from None

    def merge_base(self, base: str, head: str) -> str:
        out = self._run("merge-base", base, head, check=False).strip()
        if not out:
            raise GitError(f"{base[:12]} and {head[:12]} have no common history")
        return out

    def commits(self, base: str, head: str) -> list[tuple[str, str, str]]:
        """(sha, author, message) of each commit in ``base..head``, oldest first."""
        out = self._run("log", "--reverse", "--format=%H%x1f%an%x1f%B%x1e", f"{base}..{head}")
        rows = []
        for record in out.split("\x1e"):
            record = record.strip("\n")
            if record:
                sha, author, message = record.split("\x1f", 2)
                rows.append((sha, author, message.strip()))
        return rows

    def file_diffs(self, base: str, head: str) -> list[FileDiff]:
        """Every changed file of ``base..head``: exact paths and modes from ``--raw -z``, hunks
        from the patch of the same diff (see :func:`reviewer.diff.pair_diff`)."""
        options = ("--no-color", "--no-ext-diff", "--find-renames", "--no-abbrev")
        raw = self._run("diff", *options, "--raw", "-z", base, head)
        patch = self._run("diff", *options, "-U3", base, head)
        try:
            return pair_diff(raw, patch)
        except ValueError as exc:
            raise GitError(f"could not read the diff of {base[:12]}..{head[:12]}: {exc}") from None

    def show(self, ref: str, path: str) -> str | None:
        """A file's text at ``ref``, or None when it does not exist there."""
        try:
            return self._run("show", f"{ref}:{path}")
        except GitError:
            return None

    def list_dir(self, ref: str, path: str) -> list[str]:
        out = self._run("ls-tree", "--name-only", f"{ref}", f"{path.rstrip('/')}/", check=False)
        return [line for line in out.splitlines() if line]

    def name(self) -> str:
        """``owner/name`` from the ``origin`` remote when it is a GitHub-style URL, else the
        directory's name: what the audit log files a local review under."""
        url = self._run("config", "--get", "remote.origin.url", check=False).strip()
        if url.startswith(("/", ".", "file:")):  # a clone of a local folder: no owner
            return self.root.name
        match = re.search(r"[:/]([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", url)
        return f"{match.group(1)}/{match.group(2)}" if match else self.root.name

    def author_of(self, ref: str) -> str:
        return self._run("log", "-1", "--format=%an", ref).strip()

    def is_dirty(self) -> bool:
        """Staged, unstaged or untracked-but-not-ignored changes exist."""
        return bool(self._run("status", "--porcelain=v1", "-z", "--untracked-files=all"))

    def snapshot_worktree(self) -> str:
        """The SHA of a commit holding the working tree on top of ``HEAD``.

        Built as ``git stash create`` builds one, with untracked files too: the working
        tree (staged, unstaged, and untracked files ``.gitignore`` does not exclude) goes
        into a throwaway index, is written as a tree and wrapped in a commit whose parent
        is ``HEAD``. The user's index, branches and files are not touched; nothing refers
        to the commit, so git collects it in time. The review then reads it like any other.
        """
        head = self.resolve("HEAD")
        with tempfile.TemporaryDirectory(prefix="reviewer-index-") as tmp:
            index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self._run("read-tree", head, env=index)
            self._run("add", "--all", "--", ":/", env=index)
            tree = self._run("write-tree", env=index).strip()
        name = self._run("config", "user.name", check=False).strip() or "local"
        email = self._run("config", "user.email", check=False).strip() or "local@localhost"
        identity = {f"GIT_{who}_{what}": value for who in ("AUTHOR", "COMMITTER")
                    for what, value in (("NAME", name), ("EMAIL", email))}  # fmt: skip
        commit = self._run("commit-tree", tree, "-p", head, "-m", WORKTREE_MESSAGE, env=identity)
        return commit.strip()
