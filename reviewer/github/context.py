"""Build a ``ReviewContext`` from GitHub: the same snapshot the local path builds.

Policy and guidance come from the repository's **default branch**, CODEOWNERS from the
PR's base branch (as GitHub does), never anything from the PR's head: all read in the one
query of ``snapshot``. The changed files come from a comparison pinned to base...head.
"""

from __future__ import annotations

from typing import Any

from reviewer.codeowners import load_codeowners
from reviewer.context import Author, ChangedFile, CommitInfo, ReviewContext
from reviewer.errors import PolicyError, ReviewerError
from reviewer.github.client import GitHubClient
from reviewer.github.priming import Comparison
from reviewer.github.snapshot import Snapshot
from reviewer.guidance.merge import merge_guidance
from reviewer.guidance.rules import (
    GuidanceDoc,
    GuidanceError,
    load_default_guidance,
    parse_guidance,
)
from reviewer.policy import Policy, load_policy, policy_digest

MAX_BLOB_CHARS = 400_000
COMPARE_MAX_FILES = 300  # GitHub lists at most this many files in a comparison
CHECK_RUN_NAME = "reviewer/approval"


def _synthesised_patch(text: str) -> str:
    lines = text.splitlines()
    return f"@@ -0,0 +1,{len(lines)} @@\n" + "\n".join(f"+{line}" for line in lines)


def _changed_file(
    client: GitHubClient, repo: str, raw: dict[str, Any], unreviewable: list[str]
) -> ChangedFile:
    """A file of the PR; an added file without a patch gets one from its blob."""
    patch = raw.get("patch")
    binary = False
    if patch is None and raw.get("status") == "added" and raw.get("sha"):
        text = client.blob_text(repo, raw["sha"])
        if "\x00" in text:
            binary = True
        elif len(text) <= MAX_BLOB_CHARS:
            patch = _synthesised_patch(text)
    if patch is None and not binary and raw.get("changes", 0):
        unreviewable.append(raw["filename"])
    return ChangedFile(
        path=raw["filename"],
        status=raw.get("status", "modified"),
        additions=raw.get("additions", 0),
        deletions=raw.get("deletions", 0),
        patch=patch,
        previous_path=raw.get("previous_filename"),
        binary=binary,
    )


def _guidance(snap: Snapshot) -> tuple[tuple[GuidanceDoc, ...], list[str]]:
    """The default branch's guidance merged over ours, and the files that did not parse."""
    docs: list[GuidanceDoc] = []
    errors: list[str] = []
    for path, text in snap.guidance:
        try:
            docs.append(parse_guidance(text, path))
        except GuidanceError as exc:
            errors.append(str(exc))
    return merge_guidance(load_default_guidance(), docs), errors


def base_codeowners(client: GitHubClient, repo: str, pr: dict[str, Any]) -> str | None:
    """CODEOWNERS as GitHub reads it for this PR: from its base branch, first found of
    ``.github/``, root, ``docs/`` (through REST, for the merge gate)."""
    return load_codeowners(lambda path: client.file_text(repo, path, pr["base"]["ref"]))


def own_runs(client: GitHubClient, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Our ``reviewer/approval`` runs among ``runs``, oldest first (another App's run of
    the same name is not ours)."""
    app_id = client.tokens.creds.app_id
    ours = [
        r for r in runs
        if r.get("name") == CHECK_RUN_NAME and (r.get("app") or {}).get("id") == app_id
    ]  # fmt: skip
    return sorted(ours, key=lambda r: int(r.get("id", 0)))


def checks_summary(
    client: GitHubClient, snap: Snapshot, own_run_id: int | None = None
) -> dict[str, Any]:
    """The head commit's other checks and statuses, for the audit entry.

    Our own runs other than ``own_run_id`` that are still in progress belong to a worker
    that died mid-job; they are listed under ``orphaned`` so the caller can close them.
    """
    runs = snap.check_runs
    own = own_runs(client, runs)
    ours = {int(r["id"]) for r in own}
    others = [r for r in runs if int(r.get("id", 0)) not in ours]
    orphaned = [
        int(r["id"]) for r in own if r.get("id") != own_run_id and r.get("status") != "completed"
    ]
    runs = [
        {"name": r.get("name"), "status": r.get("status"), "conclusion": r.get("conclusion")}
        for r in others
    ]
    status = snap.status
    return {
        "check_runs": runs,
        "status": status.get("state"),
        "orphaned": orphaned,
        "statuses": [
            {"context": s.get("context"), "state": s.get("state")}
            for s in status.get("statuses", [])
        ],
    }


def _tree_source(client: GitHubClient, repo: str, sha: str, blobs: dict[str, bytes]) -> Any:
    """The head tree for the tracer; it makes no request until the tracer reads it, and
    none for the ``blobs`` (by SHA) read along with the PR."""
    from subagents.tracing.source import GitHubTreeSource

    return GitHubTreeSource(client, repo, sha, blobs)


class HeadMoved(ReviewerError):
    """The PR's head moved while its change was read: that review is of stale code."""

    def __init__(self, sha: str) -> None:
        super().__init__(f"the head moved to {sha} while the change was read")
        self.sha = sha


def pinned_change(
    client: GitHubClient,
    repo: str,
    number: int,
    pr: dict[str, Any],
    known: Comparison | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Files and commits of exactly ``base.sha...head.sha`` of ``pr`` (``known``: a
    comparison already read, used when it is of exactly these commits).

    A push between reading the PR and reading its files must not get the old head judged
    on the new code (or the reverse): the comparison API is pinned to both commits. Past
    its 300 files, the PR's own lists are read and the head is read again afterwards;
    ``HeadMoved`` when it changed.
    """
    base, head = pr["base"]["sha"], pr["head"]["sha"]
    if pr.get("changed_files", 0) <= COMPARE_MAX_FILES:
        pinned = known is not None and (known.base, known.head) == (base, head)
        data = known.data if known is not None and pinned else client.compare(repo, base, head)
        return list(data.get("files") or []), list(data.get("commits") or [])
    files, commits = client.pull_files(repo, number), client.pull_commits(repo, number)
    now = client.pull(repo, number)["head"]["sha"]
    if now != head:
        raise HeadMoved(now)
    return files, commits


def build_github_context(
    client: GitHubClient,
    repo: str,
    number: int,
    snap: Snapshot,
    *,
    installation_id: int | None,
    human_requested: bool = False,
) -> ReviewContext:
    """The review context of the PR read in ``snap``, with its files at its head."""
    pr = snap.pr
    unreviewable: list[str] = []
    raw_files, raw_commits = pinned_change(client, repo, number, pr, snap.comparison)
    files = [_changed_file(client, repo, raw, unreviewable) for raw in raw_files]
    if pr.get("changed_files", len(files)) > len(files):
        unreviewable.append(f"{pr['changed_files'] - len(files)} files beyond GitHub's list limit")
    if pr.get("commits", len(raw_commits)) > len(raw_commits):  # GitHub lists 250 at most
        unreviewable.append(
            f"{pr['commits'] - len(raw_commits)} commits beyond GitHub's list limit (their"
            " authors were not read)"
        )
    commits = tuple(
        CommitInfo(
            sha=c["sha"],
            message=c.get("commit", {}).get("message", ""),
            author=(c.get("author") or {}).get("login", ""),
        )
        for c in raw_commits
    )
    base_repo = pr["base"]["repo"]
    policy_text = snap.policy_text
    guidance, guidance_errors = _guidance(snap)
    policy, policy_error = Policy(), None
    try:
        policy = load_policy(policy_text)
    except PolicyError as exc:
        policy_error = str(exc)
    if guidance_errors:
        policy_error = "; ".join(filter(None, [policy_error, *guidance_errors]))
    head_repo = (pr.get("head") or {}).get("repo") or {}
    user = pr.get("user") or {}
    return ReviewContext(
        source="github",
        repo=repo,
        pr=number,
        installation_id=installation_id,
        title=pr.get("title") or "",
        body=pr.get("body"),
        author=Author(
            login=user.get("login", "ghost"),
            type=user.get("type", "User"),
            association=pr.get("author_association", "NONE"),
        ),
        base_ref=pr["base"]["ref"],
        base_sha=pr["base"]["sha"],
        default_branch=base_repo.get("default_branch"),
        head_ref=pr["head"]["ref"],
        head_sha=pr["head"]["sha"],
        draft=bool(pr.get("draft")),
        fork=head_repo.get("full_name") != base_repo.get("full_name"),
        labels=tuple(label["name"] for label in pr.get("labels", [])),
        commits=commits,
        files=tuple(files),
        unreviewable=tuple(unreviewable),
        policy=policy,
        policy_error=policy_error,
        policy_sha256=policy_digest(policy_text),
        guidance=guidance,
        codeowners=snap.codeowners,
        human_requested=human_requested,
        tree=_tree_source(client, repo, pr["head"]["sha"], snap.blobs),
    )
