"""Build a ``ReviewContext`` from GitHub: the same snapshot the local path builds.

Policy and guidance are read from the repository's **default branch**, CODEOWNERS from
the PR's base branch (as GitHub does); never anything from the PR's head. One directory
listing of ``.github`` tells which of them exist there, saving reads that would 404.
"""

from __future__ import annotations

from typing import Any

from reviewer.codeowners import load_codeowners
from reviewer.context import Author, ChangedFile, CommitInfo, ReviewContext
from reviewer.errors import PolicyError, ReviewerError
from reviewer.github.client import GitHubClient
from reviewer.guidance.merge import merge_guidance
from reviewer.guidance.rules import (
    GuidanceDoc,
    GuidanceError,
    load_default_guidance,
    parse_guidance,
)
from reviewer.policy import GUIDANCE_DIR, POLICY_PATH, Policy, load_policy, policy_digest

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


def _steering(
    client: GitHubClient, repo: str, ref: str
) -> tuple[str | None, tuple[GuidanceDoc, ...], list[str], set[str]]:
    """(policy text, guidance, guidance errors, names in ``.github``) from the default
    branch."""
    listing = client.list_dir(repo, ".github", ref) or []
    names = {entry["name"]: entry for entry in listing}
    policy_text = client.file_text(repo, POLICY_PATH, ref) if "reviewer.yml" in names else None
    guidance: list[GuidanceDoc] = []
    errors: list[str] = []
    if names.get("reviewer", {}).get("type") == "dir":
        for entry in client.list_dir(repo, GUIDANCE_DIR, ref) or []:
            if entry.get("type") == "file" and entry["name"].endswith(".md"):
                text = client.file_text(repo, entry["path"], ref)
                try:
                    guidance.append(parse_guidance(text or "", entry["path"]))
                except GuidanceError as exc:
                    errors.append(str(exc))
    return policy_text, merge_guidance(load_default_guidance(), guidance), errors, set(names)


def base_codeowners(
    client: GitHubClient, repo: str, pr: dict[str, Any], github_dir: set[str] | None = None
) -> str | None:
    """CODEOWNERS as GitHub reads it for this PR: from its base branch, first found of
    ``.github/``, root, ``docs/``. ``github_dir``: the names in the base branch's
    ``.github`` when already listed, to skip a read that would find nothing."""

    def read(path: str) -> str | None:
        if (
            github_dir is not None
            and path == ".github/CODEOWNERS"
            and "CODEOWNERS" not in (github_dir)
        ):
            return None
        return client.file_text(repo, path, pr["base"]["ref"])

    return load_codeowners(read)


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
    client: GitHubClient,
    repo: str,
    sha: str,
    own_run_id: int | None = None,
    runs: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The head commit's other checks and statuses, for the audit entry (``runs``: the
    commit's check runs when the caller has them already).

    Our own runs other than ``own_run_id`` that are still in progress belong to a worker
    that died mid-job; they are listed under ``orphaned`` so the caller can close them.
    """
    runs = client.check_runs(repo, sha) if runs is None else runs
    ours = {int(r["id"]) for r in own_runs(client, runs)}
    others = [r for r in runs if int(r.get("id", 0)) not in ours]
    orphaned = [
        int(r["id"]) for r in own_runs(client, runs)
        if r.get("id") != own_run_id and r.get("status") != "completed"
    ]  # fmt: skip
    runs = [
        {"name": r.get("name"), "status": r.get("status"), "conclusion": r.get("conclusion")}
        for r in others
    ]
    status = client.combined_status(repo, sha)
    return {
        "check_runs": runs,
        "status": status.get("state"),
        "orphaned": orphaned,
        "statuses": [
            {"context": s.get("context"), "state": s.get("state")}
            for s in status.get("statuses", [])
        ],
    }


def _tree_source(client: GitHubClient, repo: str, sha: str) -> Any:
    """The head tree for the tracer; it makes no request until the tracer reads it."""
    from subagents.tracing.source import GitHubTreeSource

    return GitHubTreeSource(client, repo, sha)


class HeadMoved(ReviewerError):
    """The PR's head moved while its change was read: that review is of stale code."""

    def __init__(self, sha: str) -> None:
        super().__init__(f"the head moved to {sha} while the change was read")
        self.sha = sha


def pinned_change(
    client: GitHubClient, repo: str, number: int, pr: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Files and commits of exactly ``base.sha...head.sha`` of ``pr``.

    A push between reading the PR and reading its files must not get the old head judged
    on the new code (or the reverse): the comparison API is pinned to both commits. Past
    its 300 files, the PR's own lists are read and the head is read again afterwards;
    ``HeadMoved`` when it changed.
    """
    base, head = pr["base"]["sha"], pr["head"]["sha"]
    if pr.get("changed_files", 0) <= COMPARE_MAX_FILES:
        data = client.compare(repo, base, head)
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
    pr: dict[str, Any],
    *,
    installation_id: int | None,
    human_requested: bool = False,
) -> ReviewContext:
    """The snapshot of ``pr`` (already fetched by the caller) at its current head."""
    unreviewable: list[str] = []
    raw_files, raw_commits = pinned_change(client, repo, number, pr)
    files = [_changed_file(client, repo, raw, unreviewable) for raw in raw_files]
    if pr.get("changed_files", len(files)) > len(files):
        unreviewable.append(f"{pr['changed_files'] - len(files)} files beyond GitHub's list limit")
    commits = tuple(
        CommitInfo(
            sha=c["sha"],
            message=c.get("commit", {}).get("message", ""),
            author=(c.get("author") or {}).get("login", ""),
        )
        for c in raw_commits
    )
    base_repo = pr["base"]["repo"]
    default_ref = base_repo.get("default_branch") or pr["base"]["ref"]
    policy_text, guidance, guidance_errors, github_dir = _steering(client, repo, default_ref)
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
        codeowners=base_codeowners(
            client, repo, pr, github_dir if default_ref == pr["base"]["ref"] else None
        ),
        human_requested=human_requested,
        tree=_tree_source(client, repo, pr["head"]["sha"]),
    )
