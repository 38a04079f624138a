"""Resolvers of the fake's GraphQL API: repositories, git objects, pull requests, checks.

Each object is a dict whose callables graphql-core calls with the field's arguments, so
only what a query selects is computed; ``__typename`` resolves interfaces and unions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.fakes.github_graphql_pages import Node, Refused, connection
from tests.fakes.github_state import ApiError, Pull, Repo, git_blob_sha

if TYPE_CHECKING:
    from tests.fakes.github import Call, FakeGitHub


def _tree_oid(commit: str, path: str) -> str:
    return hashlib.sha1(f"tree:{commit}:{path}".encode()).hexdigest()


def _actor(fake: FakeGitHub, login: str | None) -> Node | None:
    """A user or a bot; GraphQL names a bot without the ``[bot]`` that REST shows."""
    if login is None:
        return None
    info = fake.user(login)
    bot = info["type"] == "Bot"
    return {
        "__typename": "Bot" if bot else "User",
        "login": login.removesuffix("[bot]") if bot else login,
        "databaseId": info["id"],
    }


def _modelled(wanted: dict[str, Any] | None, known: set[str], name: str) -> dict[str, Any]:
    """A ``filterBy`` the fake applies; one it would ignore is refused, not guessed at."""
    given = {k: v for k, v in (wanted or {}).items() if v is not None}
    if set(given) - known:
        message = f"the fake does not model filterBy {sorted(set(given) - known)} on `{name}`"
        raise Refused("FAKE_UNSUPPORTED", message, rejected=True)
    return given


class Root:
    """Resolvers over one request's view of the fake (its token's repositories and
    permissions)."""

    def __init__(self, fake: FakeGitHub, c: Call) -> None:
        self.fake, self.c = fake, c

    def need(self, *perm: tuple[str, str]) -> None:
        try:
            self.fake._authorize(self.c, perm)
        except ApiError:
            raise Refused("FORBIDDEN", "Resource not accessible by integration") from None

    def repository(self, info: Any, owner: str, name: str, followRenames: bool = True) -> Node:
        self.c.params.update(owner=owner, repo=name)
        try:
            r = self.fake._visible_repo(self.c)
        except ApiError:
            raise Refused(
                "NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'."
            ) from None
        self.need(("metadata", "read"))
        return self.repo_node(r)

    def repo_node(self, r: Repo) -> Node:
        return {
            "name": r.name,
            "nameWithOwner": r.full_name,
            "databaseId": r.id,
            "isPrivate": r.private,
            "defaultBranchRef": lambda info: self.ref(r, r.default_branch),
            "ref": lambda info, qualifiedName: self.ref(
                r, qualifiedName.removeprefix("refs/heads/")
            ),
            "object": lambda info, oid=None, expression=None: self.git_object(r, oid, expression),
            "pullRequest": lambda info, number: self.pull(r, number),
        }

    def ref(self, r: Repo, branch: str) -> Node | None:
        sha = r.branches.get(branch)
        if sha is None:
            return None
        return {"name": branch, "prefix": "refs/heads/", "target": lambda info: self.commit(r, sha)}

    def git_object(self, r: Repo, oid: str | None, expression: str | None) -> Node | None:
        self.need(("contents", "read"))
        if oid is not None:
            if oid in r.blobs:
                return self.blob(oid, r.blobs[oid])
            return self.commit(r, oid) if oid in r.snapshots else None
        rev, _, path = (expression or "").partition(":")
        sha = self.fake.resolve_ref(r, rev)
        if sha is None:
            return None
        return self.commit(r, sha) if not path else self.entry_object(r, sha, path)

    def entry_object(self, r: Repo, sha: str, path: str) -> Node | None:
        snapshot = r.snapshots.get(sha, {})
        path = path.strip("/")
        if path in snapshot:
            return self.blob(None, snapshot[path])
        prefix = path + "/" if path else ""
        names = sorted(
            {p[len(prefix) :].split("/", 1)[0] for p in snapshot if p.startswith(prefix)}
        )
        if not names:
            return None
        entries = [self.entry(r, sha, prefix + name) for name in names]
        return {"__typename": "Tree", "entries": [e for e in entries if e is not None]}

    def entry(self, r: Repo, sha: str, path: str) -> Node | None:
        found: Callable[[Any], Node | None] = lambda info: self.entry_object(r, sha, path)  # noqa: E731
        snapshot = r.snapshots.get(sha, {})
        if path in snapshot:
            kind, size = "blob", len(snapshot[path])
        elif any(p.startswith(path + "/") for p in snapshot):
            kind, size = "tree", 0
        else:
            return None
        oid = git_blob_sha(snapshot[path]) if kind == "blob" else _tree_oid(sha, path)
        return {
            "oid": oid,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "type": kind,
            "mode": 0o100644 if kind == "blob" else 0o40000,
            "size": size,
            "isGenerated": False,
            "object": found,
        }

    def blob(self, oid: str | None, data: bytes) -> Node:
        binary = b"\x00" in data
        return {
            "__typename": "Blob",
            "oid": oid or git_blob_sha(data),
            "byteSize": len(data),
            "isBinary": binary,
            "isTruncated": False,
            "text": None if binary else data.decode("utf-8", "replace"),
        }

    def commit(self, r: Repo, sha: str) -> Node:
        return {
            "__typename": "Commit",
            "oid": sha,
            "message": (r.commits.get(sha) or {}).get("message", ""),
            "file": lambda info, path: self.entry(r, sha, path.strip("/")),
            "tree": lambda info: (
                self.entry_object(r, sha, "") or {"__typename": "Tree", "entries": []}
            ),
            "checkSuites": lambda info, **page: self.check_suites(r, sha, page),
            "status": lambda info: self.status(r, sha),
        }

    def check_suites(self, r: Repo, sha: str, page: dict[str, Any]) -> Node:
        self.need(("checks", "read"))
        _modelled(page.pop("filterBy", None), set(), "checkSuites")
        runs = [
            x for x in sorted(r.check_runs.values(), key=lambda x: x["id"]) if x["head_sha"] == sha
        ]
        suites: dict[int, list[dict[str, Any]]] = {}
        for run in runs:
            suites.setdefault(int(run["check_suite_id"]), []).append(run)
        nodes = [
            {
                "databaseId": suite_id,
                "app": self.app(int(members[0].get("app_id", self.fake.app_id))),
                "checkRuns": lambda info, members=members, **p: self.check_runs(members, p),
            }
            for suite_id, members in suites.items()
        ]  # fmt: skip
        return connection("checkSuites", nodes, **page)

    def app(self, app_id: int) -> Node:
        slug = self.fake.app_slug if app_id == self.fake.app_id else f"app-{app_id}"
        return {"databaseId": app_id, "slug": slug, "name": slug}

    def check_runs(self, runs: list[dict[str, Any]], page: dict[str, Any]) -> Node:
        wanted = _modelled(page.pop("filterBy", None), {"checkName", "checkType"}, "checkRuns")
        if wanted.get("checkName"):
            runs = [x for x in runs if x["name"] == wanted["checkName"]]
        if wanted.get("checkType", "LATEST") == "LATEST":
            latest = {x["name"]: x for x in runs}  # ids ascend: the last of a name wins
            runs = list(latest.values())
        nodes = [
            {
                "databaseId": x["id"],
                "name": x["name"],
                "status": x["status"].upper(),
                "conclusion": x["conclusion"].upper() if x["conclusion"] else None,
            }
            for x in runs
        ]
        return connection("checkRuns", nodes, **page)

    def status(self, r: Repo, sha: str) -> Node | None:
        self.need(("statuses", "read"))
        latest = {s["context"]: s for s in r.statuses if s["sha"] == sha}
        if not latest:
            return None
        states = {s["state"] for s in latest.values()}
        state = (
            "FAILURE" if states & {"error", "failure"}
            else "PENDING" if "pending" in states
            else "SUCCESS"
        )  # fmt: skip
        contexts = [{"context": s["context"], "state": s["state"].upper()} for s in latest.values()]
        return {"state": state, "contexts": contexts}

    def pull(self, r: Repo, number: int) -> Node:
        self.need(("pull_requests", "read"))
        p = r.pulls.get(number)
        if p is None:
            raise Refused(
                "NOT_FOUND", f"Could not resolve to a PullRequest with the number of {number}."
            )
        return self.pull_node(r, p)

    def pull_node(self, r: Repo, p: Pull) -> Node:
        fake = self.fake
        head_repo = fake.find_repo(p.head_repo) if p.head_repo else r
        reviews = [v for v in sorted(r.reviews.values(), key=lambda v: v["id"])
                   if v["pull_number"] == p.number and v["state"] != "PENDING"]  # fmt: skip
        comments = [x for x in sorted(r.issue_comments.values(), key=lambda x: x["id"])
                    if x["issue_number"] == p.number]  # fmt: skip
        return {
            "number": p.number,
            "databaseId": p.id,
            "title": p.title,
            "body": p.body or "",
            "state": "MERGED" if p.merged else p.state.upper(),
            "isDraft": p.draft,
            "createdAt": p.created_at,
            "author": _actor(fake, p.author),
            "authorAssociation": p.author_association,
            "baseRefName": p.base_ref,
            "baseRefOid": p.base_sha,
            "headRefName": p.head_ref,
            "headRefOid": p.head_sha,
            "changedFiles": len(p.files),
            "baseRef": lambda info: self.ref(r, p.base_ref),
            "baseRepository": lambda info: self.repo_node(r),
            "headRepository": lambda info: head_repo and self.repo_node(head_repo),
            "commits": lambda info, **page: connection(
                "commits", [{"commit": self.commit(r, sha)} for sha in p.commits], **page
            ),
            "labels": lambda info, **page: connection(
                "labels", [{"name": n} for n in p.labels], **page
            ),
            "reviews": lambda info, **page: connection(
                "reviews",
                [
                    {
                        "databaseId": v["id"],
                        "state": v["state"],
                        "author": _actor(fake, v["user"]),
                        "commit": {"oid": v["commit_id"]},
                        "submittedAt": v["submitted_at"],
                    }
                    for v in reviews
                ],
                **page,
            ),
            "comments": lambda info, **page: connection(
                "comments",
                [
                    {"databaseId": x["id"], "body": x["body"], "author": _actor(fake, x["user"])}
                    for x in comments
                ],
                **page,
            ),
        }
