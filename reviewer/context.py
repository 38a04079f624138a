"""``ReviewContext``: the immutable snapshot every sub-agent and gate reads.

Built either from a local git repository (``reviewer review``) or from GitHub (the
worker). Policy and guidance always come from the base side (the default branch on
GitHub), never from the PR's head, so a PR cannot rewrite the rules that judge it.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reviewer.codeowners import load_codeowners
from reviewer.diff import SUBMODULE_MODE, SYMLINK_MODE, parse_patch
from reviewer.errors import GitError, PolicyError
from reviewer.gitlocal import LocalRepo
from reviewer.guidance.merge import merge_guidance
from reviewer.guidance.rules import GuidanceDoc, load_default_guidance, parse_guidance
from reviewer.policy import GUIDANCE_DIR, POLICY_PATH, Policy, load_policy, policy_digest
from subagents.base import Finding


class Author(BaseModel):
    model_config = ConfigDict(frozen=True)

    login: str
    type: Literal["User", "Bot", "Organization"] = "User"
    association: str = "NONE"


class CommitInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    sha: str
    message: str
    author: str = ""


_SUBPROJECT = re.compile(r"Subproject commit [0-9a-f]{7,64}")


class ChangedFile(BaseModel):
    """One file of the diff. ``patch`` is None when GitHub or git gave no text diff."""

    model_config = ConfigDict(frozen=True)

    path: str
    status: Literal["added", "removed", "modified", "renamed", "copied", "changed", "unchanged"]
    additions: int = 0
    deletions: int = 0
    patch: str | None = None
    previous_path: str | None = None
    binary: bool = False
    mode: str | None = Field(
        default=None,
        description="git mode when known (local reviews): 120000 symlink, 160000 submodule",
    )

    @property
    def changes(self) -> int:
        return self.additions + self.deletions

    @property
    def submodule(self) -> bool:
        """A submodule bump or a ``.gitmodules`` edit: code that lives in another repository.
        GitHub gives no modes, so a ``Subproject commit`` line in the patch says it too."""
        names = {PurePosixPath(p).name for p in (self.path, self.previous_path) if p}
        if self.mode == SUBMODULE_MODE or ".gitmodules" in names:
            return True
        parsed = parse_patch(self.patch) if self.patch else None
        lines = [text for _, text in parsed.added + parsed.removed] if parsed else []
        return any(_SUBPROJECT.fullmatch(text.strip()) for text in lines)

    @property
    def symlink_target(self) -> str | None:
        """Where a symlink at head points (its blob is the target path), when known."""
        if self.mode != SYMLINK_MODE:
            return None
        added = self.added_lines()
        return added[0][1] if added else None

    def added_lines(self) -> list[tuple[int, str]]:
        """(new line number, text) of every added line, for pattern checks."""
        return parse_patch(self.patch).added if self.patch else []


class ReviewContext(BaseModel):
    """Everything known about one PR at one head SHA. Frozen: nobody edits it mid-review."""

    model_config = ConfigDict(frozen=True)

    source: Literal["local", "github"]
    repo: str
    pr: int | None = None
    installation_id: int | None = None
    title: str
    body: str | None = None
    author: Author
    base_ref: str
    base_sha: str
    default_branch: str | None = Field(
        default=None, description="the repository's default branch (GitHub reviews)"
    )
    head_ref: str | None = None
    head_sha: str
    draft: bool = False
    fork: bool = False
    labels: tuple[str, ...] = ()
    commits: tuple[CommitInfo, ...] = ()
    files: tuple[ChangedFile, ...] = ()
    unreviewable: tuple[str, ...] = Field(
        default=(), description="changed paths we could not read (too large, missing patch)"
    )
    policy: Policy = Field(default_factory=Policy)
    policy_error: str | None = None
    policy_sha256: str | None = None
    guidance: tuple[GuidanceDoc, ...] = ()
    codeowners: str | None = None
    human_requested: bool = False
    changes_requested: tuple[str, ...] = Field(
        default=(), description="writers whose latest review at head requests changes"
    )
    pushed_by: str | None = Field(default=None, description="who pushed this head, if known")
    carried_findings: tuple[Finding, ...] = Field(
        default=(), description="major findings held from earlier reviews (reviewer.held)"
    )
    local_path: str | None = None
    tree: Any = Field(
        default=None,
        exclude=True,
        repr=False,
        description="the tree at head for the tracer (a subagents.tracing TreeSource), lazy",
    )

    @property
    def changed_lines(self) -> int:
        return sum(f.changes for f in self.files)

    def file(self, path: str) -> ChangedFile | None:
        return next((f for f in self.files if f.path == path), None)

    def head_contents(self, paths: set[str]) -> dict[str, bytes]:
        """Whole files at the head commit, for checks that must parse them; empty when no
        tree is available (a check then falls back to what the patch shows)."""
        if self.tree is None or not paths:
            return {}
        entries = [e for e in self.tree.entries() if e.path in paths]
        contents: dict[str, bytes] = self.tree.read(entries)
        return contents


MAX_PATCH_CHARS = 400_000
WORKTREE_REF = "working tree"  # head_ref of a review of uncommitted work


def _guidance_at(repo: LocalRepo, ref: str) -> tuple[GuidanceDoc, ...]:
    docs = []
    for path in repo.list_dir(ref, GUIDANCE_DIR):
        text = repo.show(ref, path) if path.endswith(".md") else None
        if text is not None:
            docs.append(parse_guidance(text, path))
    return merge_guidance(load_default_guidance(), docs)


def _tree_source(repo: LocalRepo, head_sha: str) -> Any:
    from subagents.tracing.source import GitTreeSource  # the tracer is optional here

    return GitTreeSource(repo.root, head_sha)


def build_local_context(path: str, base: str, head: str | None = "HEAD") -> ReviewContext:
    """A context from a local repository: the change ``merge-base(base, head)..head``.

    ``head=None`` means the work in progress: the working tree with its uncommitted
    changes (``head_ref`` is then ``WORKTREE_REF``) when there are any, else ``HEAD``.
    Title and description come from the commit messages; policy and guidance from the
    merge base, the local stand-in for the default branch.
    """
    repo = LocalRepo(path)
    worktree = head is None and repo.is_dirty()
    head = WORKTREE_REF if worktree else head or "HEAD"
    base_sha = repo.resolve(base)
    head_sha = repo.snapshot_worktree() if worktree else repo.resolve(head)
    if base_sha == head_sha:
        raise GitError(f"{base!r} and {head!r} are the same commit: there is nothing to review")
    merge_base = repo.merge_base(base_sha, head_sha)
    commits = tuple(
        CommitInfo(sha=sha, author=author, message=message)
        for sha, author, message in repo.commits(merge_base, head_sha)
    )
    if not commits:
        raise GitError(f"{head!r} has no commits that {base!r} lacks: there is nothing to review")
    files, unreviewable = [], []
    for section in repo.file_diffs(merge_base, head_sha):
        parsed = parse_patch(section.patch) if section.patch else None
        patch = section.patch
        if patch is not None and len(patch) > MAX_PATCH_CHARS:
            unreviewable.append(section.path)
            patch = None
        files.append(
            ChangedFile(
                path=section.path,
                status=section.status,
                additions=len(parsed.added) if parsed else 0,
                deletions=len(parsed.removed) if parsed else 0,
                patch=patch,
                previous_path=section.old_path,
                binary=section.binary,
                mode=section.mode if section.status != "removed" else section.old_mode,
            )
        )
    policy_text = repo.show(merge_base, POLICY_PATH)
    policy, policy_error = Policy(), None
    try:
        policy = load_policy(policy_text)
    except PolicyError as exc:
        policy_error = str(exc)
    newest = commits[-1].message.splitlines()
    body = "\n\n".join(c.message for c in commits[:-1]) + "\n\n" + "\n".join(newest[1:])
    return ReviewContext(
        source="local",
        repo=repo.name(),
        title=newest[0] if newest else "",
        body=body.strip() or None,
        author=Author(login=commits[-1].author or "local", association="OWNER"),
        base_ref=base,
        base_sha=merge_base,
        head_ref=head,
        head_sha=head_sha,
        commits=commits,
        files=tuple(files),
        unreviewable=tuple(unreviewable),
        policy=policy,
        policy_error=policy_error,
        policy_sha256=policy_digest(policy_text),
        guidance=_guidance_at(repo, merge_base),
        codeowners=load_codeowners(lambda path: repo.show(merge_base, path)),
        local_path=str(repo.root),
        tree=_tree_source(repo, head_sha),
    )
