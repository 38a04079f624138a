"""Everything a review reads about a PR but its patches, in one GraphQL query.

The PR (shas, title, body, author and association, labels, draft, state), the humans'
reviews, the head commit's check runs and statuses, policy and guidance from the
repository's **default branch**, CODEOWNERS from the PR's **base branch** (GitHub's order:
``.github/``, root, ``docs/``), and, when the summary comment's id is not remembered, the
PR's comments; given the comparison of the delivery's base...head, also the blobs the
tracer reads first (``priming``). The answer is turned into the REST shapes the rest of
the code reads.

Fail closed: GitHub's ``errors`` (raised by the client) or a null where the gate needs an
answer raise ``GitHubError``. A list longer than one page (100) is read again through REST,
all pages, never truncated: labels, reviews, check runs; comments past one page leave the
summary to be found by listing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reviewer.codeowners import CODEOWNERS_PATHS
from reviewer.github.client import GitHubClient, GitHubError
from reviewer.github.priming import Comparison, primed_blobs, primed_fields
from reviewer.policy import GUIDANCE_DIR, POLICY_PATH

SUMMARY_MARKER = "<!-- reviewer:summary -->"

_QUERY = """
query(
  $owner: String!, $name: String!, $number: Int!, $comments: Boolean!,
  $policy: String!, $guidance: String!, $owners1: String!, $owners2: String!, $owners3: String!
) {
  repository(owner: $owner, name: $name) {
    nameWithOwner
    %s
    defaultBranchRef { name target { ... on Commit { oid ...Steering } } }
    pullRequest(number: $number) {
      number title body state isDraft createdAt changedFiles authorAssociation
      author { __typename login }
      baseRefName baseRefOid headRefName headRefOid
      headRepository { nameWithOwner }
      baseRef { target { ... on Commit { oid ...Owners } } }
      labels(first: 100) { nodes { name } pageInfo { hasNextPage } }
      reviews(first: 100) {
        nodes { databaseId state author { __typename login } commit { oid } }
        pageInfo { hasNextPage }
      }
      comments(first: 100) @include(if: $comments) {
        nodes { databaseId body author { __typename login } }
        pageInfo { hasNextPage }
      }
      commits(last: 1) {
        totalCount
        nodes {
          commit {
            oid
            status { state contexts { context state } }
            checkSuites(first: 100) {
              pageInfo { hasNextPage }
              nodes {
                app { databaseId }
                checkRuns(first: 100, filterBy: {checkType: ALL}) {
                  pageInfo { hasNextPage }
                  nodes { databaseId name status conclusion }
                }
              }
            }
          }
        }
      }
    }
  }
}
fragment Text on Blob { oid text isTruncated isBinary }
fragment File on TreeEntry { type object { ...Text } }
fragment Steering on Commit {
  policy: file(path: $policy) { ...File }
  guidance: file(path: $guidance) {
    type
    object { ... on Tree { entries { name type object { ...Text } } } }
  }
}
fragment Owners on Commit {
  owners1: file(path: $owners1) { ...File }
  owners2: file(path: $owners2) { ...File }
  owners3: file(path: $owners3) { ...File }
}
"""


@dataclass(frozen=True)
class Snapshot:
    """One consistent read of a PR; ``pr`` and the lists are in REST's shapes. ``blobs``:
    contents by blob SHA read along (the changed files and the root's project
    configuration files, the tracer's first reads); ``comparison``: the one they came from.
    """

    pr: dict[str, Any]
    policy_text: str | None
    guidance: tuple[tuple[str, str], ...]  # (path, text) of each ``.md`` guidance file
    codeowners: str | None
    reviews: list[dict[str, Any]]
    check_runs: list[dict[str, Any]]
    status: dict[str, Any]
    summary_id: int | None = None
    summary_absent: bool = False  # every comment was read and none is our summary
    comparison: Comparison | None = None
    blobs: dict[str, bytes] = field(default_factory=dict)


class IncompleteSnapshot(GitHubError):
    """GitHub answered without something the review depends on."""


def _need(value: Any, what: str) -> Any:
    if value is None:
        raise IncompleteSnapshot(f"GitHub's answer has no {what}: a human has to review")
    return value


def _user(actor: dict[str, Any] | None) -> dict[str, Any]:
    """REST's user shape; GraphQL names a bot without REST's ``[bot]`` suffix."""
    if actor is None:
        return {"login": "ghost", "type": "User"}
    login, bot = str(actor["login"]), actor.get("__typename") == "Bot"
    return {"login": f"{login}[bot]" if bot and not login.endswith("[bot]") else login,
            "type": "Bot" if bot else "User"}  # fmt: skip


def _review(node: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": node["databaseId"],
        "state": node["state"],
        "user": _user(node.get("author")),
        "commit_id": (node.get("commit") or {}).get("oid"),
    }


def _text(client: GitHubClient, repo: str, entry: dict[str, Any] | None) -> str | None:
    """A file's text; a directory of that name is no file, and a blob GraphQL truncates
    (or will not show as text) is read whole through REST."""
    if entry is None or entry.get("type") != "blob":
        return None
    blob = _need(entry.get("object"), "blob")
    if blob.get("text") is None or blob.get("isTruncated"):
        return client.blob_text(repo, str(blob["oid"]))
    return str(blob["text"])


def _steering(
    client: GitHubClient, repo: str, commit: dict[str, Any]
) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    folder = commit.get("guidance") or {}
    entries = (
        (folder.get("object") or {}).get("entries") or [] if folder.get("type") == "tree" else []
    )
    guidance = tuple(
        (f"{GUIDANCE_DIR}/{e['name']}", _text(client, repo, e) or "")
        for e in entries
        if e.get("type") == "blob" and str(e["name"]).endswith(".md")
    )
    return _text(client, repo, commit.get("policy")), guidance


def _codeowners(client: GitHubClient, repo: str, commit: dict[str, Any]) -> str | None:
    found = (_text(client, repo, commit.get(f"owners{i}")) for i in (1, 2, 3))
    return next((text for text in found if text is not None), None)


def _head_checks(
    client: GitHubClient, repo: str, head: str, node: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(check runs, combined status) of the head, in REST's shapes; through REST when the
    PR's last listed commit is not its head or a list runs past one page."""
    commit = (node or {}).get("commit") or {}
    if commit.get("oid") != head:
        return client.check_runs(repo, head), client.combined_status(repo, head)
    suites = _need(commit.get("checkSuites"), "check suites")
    more = suites["pageInfo"]["hasNextPage"] or any(
        s["checkRuns"]["pageInfo"]["hasNextPage"] for s in suites["nodes"]
    )
    runs = client.check_runs(repo, head) if more else [
        {"id": r["databaseId"], "name": r["name"], "status": r["status"].lower(),
         "conclusion": (r.get("conclusion") or "").lower() or None,
         "app": {"id": (s.get("app") or {}).get("databaseId")}}
        for s in suites["nodes"] for r in s["checkRuns"]["nodes"]
    ]  # fmt: skip
    status = commit.get("status") or {"state": "PENDING", "contexts": []}  # none: as REST says
    combined = {
        "state": status["state"].lower(),
        "statuses": [{"context": x["context"], "state": x["state"].lower()}
                     for x in status["contexts"]],
    }  # fmt: skip
    return runs, combined


def _summary(comments: dict[str, Any] | None, bot_login: str | None) -> tuple[int | None, bool]:
    if comments is None:
        return None, False
    for comment in comments["nodes"]:
        author = _user(comment.get("author"))["login"]
        if SUMMARY_MARKER in (comment.get("body") or "") and bot_login in (None, author):
            return int(comment["databaseId"]), False
    return None, not comments["pageInfo"]["hasNextPage"]


def read_snapshot(
    client: GitHubClient,
    repo: str,
    number: int,
    *,
    bot_login: str | None = None,
    find_summary: bool = False,
    comparison: Comparison | None = None,
) -> Snapshot:
    """The PR ``repo#number`` as one query reads it (``find_summary``: also look for our
    summary comment among the PR's comments; ``comparison``: read the blobs the tracer
    starts with along)."""
    owner, name = repo.split("/", 1)
    variables = {
        "owner": owner,
        "name": name,
        "number": number,
        "comments": find_summary,
        "policy": POLICY_PATH,
        "guidance": GUIDANCE_DIR,
        **{f"owners{i}": path for i, path in enumerate(CODEOWNERS_PATHS, 1)},
    }
    query = _QUERY % primed_fields(comparison)
    data = _need(client.graphql(query, variables).get("repository"), "repository")
    p = _need(data.get("pullRequest"), "pull request")
    default = _need(data.get("defaultBranchRef"), "default branch")
    base_commit = _need(_need(p.get("baseRef"), "base branch").get("target"), "base commit")
    labels = _need(p.get("labels"), "labels")
    reviews = _need(p.get("reviews"), "reviews")
    head = str(p["headRefOid"])
    pr = {
        "number": p["number"],
        "title": p["title"],
        "body": p["body"] or None,
        "state": "open" if p["state"] == "OPEN" else "closed",
        "draft": p["isDraft"],
        "created_at": p["createdAt"],
        "changed_files": p["changedFiles"],
        "commits": (p.get("commits") or {}).get("totalCount", 0),
        "user": _user(p.get("author")),
        "author_association": p["authorAssociation"],
        "labels": (
            client.issue_labels(repo, number)
            if labels["pageInfo"]["hasNextPage"]
            else [{"name": x["name"]} for x in labels["nodes"]]
        ),
        "base": {
            "ref": p["baseRefName"],
            "sha": p["baseRefOid"],
            "repo": {"full_name": data["nameWithOwner"], "default_branch": default["name"]},
        },
        "head": {
            "ref": p["headRefName"],
            "sha": head,
            "repo": {"full_name": (p.get("headRepository") or {}).get("nameWithOwner")},
        },
    }
    policy_text, guidance = _steering(client, repo, _need(default.get("target"), "default commit"))
    last = ((p.get("commits") or {}).get("nodes") or [None])[-1]
    runs, status = _head_checks(client, repo, head, last)
    summary_id, summary_absent = _summary(p.get("comments"), bot_login)
    return Snapshot(
        pr=pr,
        policy_text=policy_text,
        guidance=guidance,
        codeowners=_codeowners(client, repo, base_commit),
        reviews=(
            client.pull_reviews(repo, number)
            if reviews["pageInfo"]["hasNextPage"]
            else [_review(r) for r in reviews["nodes"]]
        ),
        check_runs=runs,
        status=status,
        summary_id=summary_id,
        summary_absent=summary_absent,
        comparison=comparison,
        blobs=primed_blobs(data),
    )
