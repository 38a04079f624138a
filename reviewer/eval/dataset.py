"""Dataset cases: ``<dataset>/cases/<id>/case.json`` with ``base/`` and ``head/`` file
snapshots. A case is replayed as a two-commit git repository (base, then head).

A case with ``mirror_of`` has no snapshots of its own: its base is the named case's head
and its head that case's base (the fix as merged mirrors the fix reverted), so the data is
stored once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from reviewer.errors import ReviewerError

Label = Literal["buggy", "clean"]


class DatasetError(ReviewerError):
    """A dataset or case file is missing or malformed."""


class ExpectedFinding(BaseModel):
    path: str
    start_line: int
    end_line: int
    description: str


class Source(BaseModel):
    project: str
    repository: str
    licence: str
    commit: str  # the upstream commit the case is built from
    parent: str | None = None
    version: str | None = None
    origin: str | None = None  # e.g. "BugsInPy thefuck/1"
    how: str  # what was done with the commit (reverted fix, applied fix, ...)


class Case(BaseModel):
    id: str
    label: Label
    expected_verdict: Literal["human", "approve"]
    title: str
    description: str = ""
    source: Source
    expected_findings: list[ExpectedFinding] = Field(default_factory=list)
    mirror_of: str | None = None
    root: Path = Field(exclude=True, default=Path("."))

    def snapshots(self) -> tuple[Path, Path]:
        """The (base, head) snapshot folders this case replays."""
        if self.mirror_of is None:
            return self.root / "base", self.root / "head"
        other = self.root.parent / self.mirror_of
        return other / "head", other / "base"


def load_dataset(path: Path) -> list[Case]:
    """Every case under ``path`` (a dataset directory or one case directory), by id."""
    path = Path(path)
    files = [path / "case.json"] if (path / "case.json").is_file() else []
    files = files or sorted(path.glob("cases/*/case.json")) or sorted(path.glob("*/case.json"))
    if not files:
        raise DatasetError(f"{path}: no cases (expected cases/<id>/case.json)")
    cases = []
    for file in files:
        try:
            case = Case.model_validate(json.loads(file.read_text()))
        except (ValueError, OSError) as exc:
            raise DatasetError(f"{file}: {exc}") from None
        cases.append(case.model_copy(update={"root": file.parent}))
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise DatasetError(f"{path}: duplicate case ids")
    return cases


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "eval",
        "GIT_AUTHOR_EMAIL": "eval@example.invalid",
        "GIT_COMMITTER_NAME": "eval",
        "GIT_COMMITTER_EMAIL": "eval@example.invalid",
        "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def materialise(case: Case, target: Path) -> tuple[str, str]:
    """Build the case's repository at ``target``; returns (base sha, head sha)."""
    base, head = case.snapshots()
    if not head.is_dir():
        raise DatasetError(f"{case.root}: no head/ snapshot")
    target.mkdir(parents=True, exist_ok=True)
    _git(target, "init", "-q", "-b", "main")
    if base.is_dir():
        shutil.copytree(base, target, dirs_exist_ok=True)
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "--allow-empty", "-m", f"base of {case.id}")
    base_sha = _git(target, "rev-parse", "HEAD").strip()
    for entry in target.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.copytree(head, target, dirs_exist_ok=True)
    _git(target, "add", "-A")
    message = case.title + (f"\n\n{case.description}" if case.description else "")
    _git(target, "commit", "-q", "--allow-empty", "-m", message)
    return base_sha, _git(target, "rev-parse", "HEAD").strip()
