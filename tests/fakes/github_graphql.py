"""GitHub's GraphQL API over the fake's state: validated and executed like GitHub.

Every query is validated against GitHub's published schema (``graphql/schema.graphql``
from the npm package ``@octokit/graphql-schema``, MIT) with graphql-core, then executed
by real resolvers over the fake's repositories, so the answer has the query's exact shape.
GitHub's own rules beyond the schema are applied too: a connection needs ``first`` or
``last``, at most 100; what the token cannot see is null with a ``NOT_FOUND`` error, what
its permissions do not cover is null with a ``FORBIDDEN`` error (HTTP 200 either way).
A query GitHub would reject is also recorded as a spec violation, failing its test.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLSchema, build_schema, execute, parse, validate

from tests.fakes.github_state import ApiError, Pull, Repo, git_blob_sha

if TYPE_CHECKING:
    from tests.fakes.github import Call, FakeGitHub

SCHEMA_FILE = Path(__file__).parent / "graphql" / "schema.graphql"
MAX_PAGE = 100
# Arguments the schema fills in when a query leaves them out; the fake's order is theirs.
_SCHEMA_DEFAULTS = {"orderBy": {"field": "CREATED_AT", "direction": "ASC"}}
Node = dict[str, Any]


@cache
def schema() -> GraphQLSchema:
    # The published SDL defines two enterprise fields twice; graphql-core's SDL check
    # refuses that, GitHub's own server does not care.
    return build_schema(SCHEMA_FILE.read_text(), assume_valid_sdl=True)


class Refused(Exception):
    """A field GitHub answers with null and an error of ``kind`` (NOT_FOUND, FORBIDDEN,
    or a query rule such as EXCESSIVE_PAGINATION when ``rejected``)."""

    def __init__(self, kind: str, message: str, rejected: bool = False) -> None:
        super().__init__(message)
        self.kind, self.rejected = kind, rejected


def answer(fake: FakeGitHub, c: Call) -> dict[str, Any]:
    """The GraphQL response body for the request ``c`` (always HTTP 200, like GitHub)."""
    body = c.body()
    text, variables = body.get("query"), body.get("variables") or {}
    try:
        document = parse(str(text))
    except GraphQLError as bad:
        return _rejected(fake, [bad.formatted])
    invalid = validate(schema(), document)
    if invalid:
        return _rejected(fake, [e.formatted for e in invalid])
    result = execute(schema(), document, root_value=_Root(fake, c), variable_values=variables)
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        errors = []
        for error in result.errors:
            item = dict(error.formatted)
            cause = error.original_error
            if isinstance(cause, Refused):
                item["type"] = cause.kind
                if cause.rejected:
                    fake.spec_violations.append(f"GraphQL query rejected: {cause}")
            errors.append(item)
        out["errors"] = errors
    return out


def _rejected(fake: FakeGitHub, errors: list[Any]) -> dict[str, Any]:
    fake.spec_violations.append(f"GraphQL query rejected: {errors}")
    return {"errors": errors}


def connection(
    name: str,
    items: list[Any],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    **unsupported: Any,
) -> Node:
    """A cursor connection over ``items`` with GitHub's pagination rules."""
    unsupported = {k: v for k, v in unsupported.items() if v != _SCHEMA_DEFAULTS.get(k)}
    if unsupported:
        message = f"the fake does not model {sorted(unsupported)} on `{name}`"
        raise Refused("FAKE_UNSUPPORTED", message, rejected=True)
    if first is None and last is None:
        raise Refused(
            "MISSING_PAGINATION_BOUNDARIES",
            f"You must provide a `first` or `last` value to properly paginate the `{name}`"
            " connection.",
            rejected=True,
        )
    for arg, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE:
            raise Refused(
                "EXCESSIVE_PAGINATION",
                f"Requesting {value} records on the `{name}` connection exceeds the `{arg}`"
                f" limit of {MAX_PAGE} records.",
                rejected=True,
            )
    start, end = 0, len(items)
    if after is not None:
        start = _position(after) + 1
    if before is not None:
        end = min(end, _position(before))
    window = list(range(start, max(start, end)))
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[-last:] if last else []
    cursors = [_cursor(i) for i in window]
    return {
        "totalCount": len(items),
        "nodes": [items[i] for i in window],
        "edges": [{"cursor": _cursor(i), "node": items[i]} for i in window],
        "pageInfo": {
            "hasNextPage": bool(window) and window[-1] < end - 1,
            "hasPreviousPage": bool(window) and window[0] > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _position(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError):
        raise Refused(
            "INVALID_CURSOR_ARGUMENTS", f"`{cursor}` does not appear to be a valid cursor."
        ) from None


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


class _Root:
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
        page.pop("filterBy", None)
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
        wanted = page.pop("filterBy", None) or {}
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
