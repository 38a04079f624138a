"""A stateful fake of the GitHub REST API (Enterprise style, under ``/api/v3``).

The real PyGithub SDK and plain httpx talk to it over loopback. It rejects what
GitHub rejects (401 for a bad JWT or an expired token, 404 for what the token
cannot see, 422 for an inline comment off the diff or an invalid check run, 403
for a permission the installation lacks) and records every request.

    fake = FakeGitHub(app_id=1, public_key=public_pem)
    fake.add_installation(7, "acme")
    fake.add_repo("acme/app", files={"README.md": "hi\\n"}, collaborators={"alice": "write"})
    fake.add_pull_from_contents("acme/app", 1, new={"app.py": "print(1)\\n"}, author="bob")
    with running(fake.app) as origin:
        api = origin + "/api/v3"

Seeding, readers, fault injection and recording are in
:class:`tests.fakes.github_state.GitHubState`; this module holds the HTTP side.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from tests.fakes import github_graphql, github_spec
from tests.fakes.github_state import (
    PERMISSION_LEVELS,
    REACTION_CONTENTS,
    ApiError,
    GitHubState,
    Installation,
    Pull,
    RecordedRequest,
    Repo,
    Token,
    utc_iso,
)

__all__ = ["FakeGitHub", "generate_app_keypair"]

API_PREFIX = "/api/v3"
GRAPHQL_PATH = "/api/graphql"
JWT_MAX_LIFETIME = 600
JWT_LEEWAY = 60
MAX_BODY = 65536
CHECK_STATUSES = {"queued", "in_progress", "completed"}
ACTIONS_ONLY_STATUSES = {"waiting", "requested", "pending"}
CHECK_CONCLUSIONS = {
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "stale",
    "timed_out",
}
ANNOTATION_LEVELS = {"notice", "warning", "failure"}
REVIEW_EVENTS = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
}
SIDES = {"LEFT", "RIGHT"}


def generate_app_keypair(bits: int = 2048) -> tuple[str, str]:
    """A fresh RSA key pair for a test App: ``(private_pem, public_pem)``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


# --------------------------------------------------------------------------- plumbing


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """What a handler sees of one request."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    origin: str  # "http://127.0.0.1:PORT"
    token: Token | None = None
    repo: Repo | None = None

    @property
    def api(self) -> str:
        return self.origin + API_PREFIX

    @property
    def r(self) -> Repo:
        assert self.repo is not None
        return self.repo

    def body(self) -> dict[str, Any]:
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise ApiError(400, "Problems parsing JSON")
        return self.json


Handler = Callable[["FakeGitHub", Call], Reply | Any]
Perm = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: str  # "jwt" | "token" | "none"
    perm: Perm


_ROUTES: list[_Route] = []


def route(method: str, template: str, *, auth: str = "token", perm: Perm = ()) -> Callable:
    """Register a handler; ``{x}`` is one segment, ``{x:int}`` digits, ``{x:path}`` the rest."""

    def to_regex(m: re.Match[str]) -> str:
        name, kind = m.group(1), m.group(2) or ""
        body = {"": r"[^/]+", ":int": r"\d+", ":path": r".+"}[kind]
        return f"(?P<{name}>{body})"

    pattern = re.compile("^" + re.sub(r"\{(\w+)(:\w+)?\}", to_regex, template) + "$")

    def register(fn: Handler) -> Handler:
        _ROUTES.append(_Route(method, pattern, fn, auth, perm))
        return fn

    return register


def read(resource: str) -> Perm:
    return ((resource, "read"),)


def write(resource: str) -> Perm:
    return ((resource, "write"),)


PR_READ = (("pull_requests", "read"), ("issues", "read"))
PR_WRITE = (("pull_requests", "write"), ("issues", "write"))


def invalid(message: str) -> ApiError:
    return ApiError(422, f"Invalid request.\n\n{message}")


def validation_failed(resource: str, field_name: str, message: str) -> ApiError:
    error = {"resource": resource, "code": "custom", "field": field_name, "message": message}
    return ApiError(422, "Validation Failed", [error])


def unprocessable(*errors: str) -> ApiError:
    return ApiError(422, "Unprocessable Entity", list(errors))


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _pull_or_404(c: Call, number: str | int) -> Pull:
    pull = c.r.pulls.get(int(number))
    if pull is None:
        raise not_found()
    return pull


def paginate(
    c: Call, items: list[Any], *, default: int = 30, maximum: int = 100, cap: int | None = None
) -> tuple[list[Any], dict[str, str]]:
    """Page ``items`` like GitHub (``per_page``/``page``) and build the ``Link`` header."""
    if cap is not None:
        items = items[:cap]
    per_page = min(max(_int(c.query.get("per_page"), default), 1), maximum)
    page = max(_int(c.query.get("page"), 1), 1)
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]

    def url(p: int) -> str:
        query = {**c.query, "page": str(p)}
        return f"{c.api}{quote(c.path)}?{urlencode(query)}"

    links = []
    if page > 1:
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
        links.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return chunk, ({"Link": ", ".join(links)} if links else {})


# --------------------------------------------------------------------------- the fake


class FakeGitHub(GitHubState):
    """Fake GitHub: state + seeding (from GitHubState) and the ASGI ``app``."""

    def __init__(
        self,
        *,
        app_id: int | str,
        public_key: str | bytes | Any,
        app_slug: str = "pr-reviewer",
        token_lifetime: float = 3600.0,
        rate_limit: int = 5000,
    ) -> None:
        super().__init__(
            app_id=app_id, app_slug=app_slug, token_lifetime=token_lifetime, rate_limit=rate_limit
        )
        if isinstance(public_key, str | bytes):
            raw = public_key.encode() if isinstance(public_key, str) else public_key
            public_key = serialization.load_pem_public_key(raw)
        self.public_key: Any = public_key
        self.spec_violations: list[str] = []
        self._unchecked = 0  # responses sent whose check has not finished
        self._checked = threading.Condition(self.lock)
        github_spec.LIVE_FAKES.add(self)
        github_spec.load()  # parsed once per process, before any request is timed
        self.manifests = _github_manifest.ManifestFlow()  # the App manifest flow's state
        github_graphql.schema()
        self.app = Starlette(
            routes=[
                *_github_manifest.web_routes(self),
                StarletteRoute(
                    "/{path:path}",
                    self._asgi,
                    methods=["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"],
                ),
            ]
        )

    # ----------------------------------------------------------------- dispatch

    async def _asgi(self, request: Request) -> Response:
        raw = await request.body()
        method = request.method
        full_path = request.url.path
        path = full_path[len(API_PREFIX) :] if full_path.startswith(API_PREFIX) else full_path
        if full_path == GRAPHQL_PATH:  # GitHub Enterprise serves GraphQL beside /api/v3
            path = "/graphql"
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            parsed = json.loads(raw) if raw.strip() else None
            bad_json = False
        except ValueError:
            parsed, bad_json = None, True
        rec = RecordedRequest(
            method=method,
            path=path,
            query=dict(request.query_params),
            headers=headers,
            json=parsed,
            body=raw,
            time=time.time(),
        )
        self.record(rec)
        if self.latency_seconds > 0:
            await asyncio.sleep(self.latency_seconds)
        origin = f"{request.url.scheme}://{request.url.netloc}"
        call = Call(method, path, {}, dict(request.query_params), parsed, headers, origin)
        out_headers: dict[str, str] = {"X-GitHub-Request-Id": _request_id()}
        operation = None
        try:
            if not full_path.startswith(API_PREFIX + "/") and full_path != GRAPHQL_PATH:
                raise not_found()
            if bad_json:
                raise ApiError(400, "Problems parsing JSON")
            operation = self._check_spec(call)
            reply = self._dispatch(call, rec, out_headers)
        except ApiError as err:
            reply = Reply(err.body(), err.status, err.headers)
        response = self._respond(call, rec, reply, out_headers)
        if operation is not None and not rec.fault:  # checked after sending: costs no latency
            with self.lock:
                self._unchecked += 1
            what = f"response of {method} {path}"
            response.background = BackgroundTask(self._check_response, operation, reply, what)
        return response

    def _check_response(self, op: github_spec.Operation, reply: Reply, what: str) -> None:
        try:
            github_spec.check_response(op, reply.status, reply.body)
        except github_spec.SpecViolation as bad:
            with self.lock:
                self.spec_violations.append(f"{what}: {bad}")
        finally:
            with self._checked:
                self._unchecked -= 1
                self._checked.notify_all()

    def take_spec_violations(self) -> list[str]:
        """The violations recorded so far, cleared: for tests that send a bad request on
        purpose (the suite fails any test that leaves one behind)."""
        with self._checked:
            self._checked.wait_for(lambda: self._unchecked == 0, timeout=10)
            taken, self.spec_violations[:] = list(self.spec_violations), []
            return taken

    def _check_spec(self, c: Call) -> github_spec.Operation:
        """GitHub's OpenAPI description must accept the request; else recorded and refused."""
        try:
            return github_spec.check_request(c.method, c.path, c.query, c.json)
        except github_spec.SpecViolation as bad:
            self.spec_violations.append(f"request {c.method} {c.path}: {bad}")
            if bad.status == 404:
                raise not_found() from None
            raise invalid(str(bad)) from None

    def _dispatch(self, c: Call, rec: RecordedRequest, out: dict[str, str]) -> Reply:
        fault = self.take_fault(c.method, c.path)
        if fault is not None:
            rec.fault = True
            return self._fault_reply(fault)
        method = "GET" if c.method == "HEAD" else c.method
        found = None
        for candidate in _ROUTES:
            if candidate.method == method:
                m = candidate.pattern.match(c.path)
                if m:
                    found, c.params = candidate, m.groupdict()
                    break
        if found is None:
            raise not_found()
        rec.auth = found.auth
        rate_key = self._authenticate(c, found)
        with self.lock:
            limit, used, reset = self.charge(rate_key)
            rate = {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(max(limit - used, 0)),
                "X-RateLimit-Reset": str(reset),
                "X-RateLimit-Used": str(min(used, limit)),
                "X-RateLimit-Resource": "core",
            }
            out.update(rate)
            if used > limit:
                who = f"installation ID {c.token.installation_id}" if c.token else "the App"
                raise ApiError(403, f"API rate limit exceeded for {who}.")
            if "owner" in c.params and "repo" in c.params:
                c.repo = self._visible_repo(c)
            self._authorize(c, found.perm)
            result = found.handler(self, c)
            self.run_hooks(c.method, c.path)
        return result if isinstance(result, Reply) else Reply(result)

    def _respond(
        self, c: Call, rec: RecordedRequest, reply: Reply, out: dict[str, str]
    ) -> Response:
        headers = {**out, **reply.headers}
        status = reply.status
        if reply.body is None or status == 204:
            payload = b""
        else:
            payload = json.dumps(reply.body, separators=(",", ":")).encode()
        if c.method in {"GET", "HEAD"} and status == 200:
            # GitHub's ETags belong to the token: another token's If-None-Match gets a 200.
            scope = (c.token.token if c.token else "").encode() + b"\0"
            etag = 'W/"' + hashlib.sha256(scope + payload).hexdigest()[:40] + '"'
            headers["ETag"] = etag
            tags = [t.strip() for t in c.headers.get("if-none-match", "").split(",")]
            if etag in tags or etag[2:] in tags:
                if c.token is not None:  # conditional hits are free on GitHub
                    limit, used, _ = self.charge(c.token.token, refund=True)
                    headers["X-RateLimit-Remaining"] = str(max(limit - used, 0))
                    headers["X-RateLimit-Used"] = str(used)
                status, payload = 304, b""
        if payload:
            headers["Content-Type"] = "application/json; charset=utf-8"
            headers["X-GitHub-Media-Type"] = "github.v3; format=json"
        rec.status = status
        rec.response = reply.body if status != 304 else None
        if c.method == "HEAD":
            payload = b""
        return Response(payload, status_code=status, headers=headers)

    def _fault_reply(self, fault: Any) -> Reply:
        if fault.kind == "error":
            try:
                phrase = HTTPStatus(fault.status).phrase
            except ValueError:
                phrase = "Error"
            return Reply({"message": fault.message or phrase}, fault.status)
        docs = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
        if fault.kind == "primary":
            reset = int(time.time()) + fault.retry_after
            headers = {
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Used": str(self.rate_limit),
                "X-RateLimit-Reset": str(reset),
                "X-RateLimit-Resource": "core",
            }
            body = {
                "message": "API rate limit exceeded for installation.",
                "documentation_url": docs,
            }
            return Reply(body, fault.status, headers)
        message = (
            "You have exceeded a secondary rate limit. Please wait a few minutes before you "
            "try again. If you reach out to GitHub Support for help, please include the "
            "request ID."
        )
        headers = {"Retry-After": str(fault.retry_after)}
        return Reply({"message": message, "documentation_url": docs}, fault.status, headers)

    # ----------------------------------------------------------------- auth

    def _authenticate(self, c: Call, found: _Route) -> str:
        if found.auth == "none":
            return "anonymous"
        scheme, _, credential = c.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in {"token", "bearer"} or not credential.strip():
            if found.auth == "jwt":
                raise ApiError(401, "A JSON web token could not be decoded")
            raise ApiError(401, "Requires authentication")
        credential = credential.strip()
        if found.auth == "jwt":
            self.verify_jwt(credential)
            return f"app:{self.app_id}"
        tok = self.token(credential)
        if tok is None or tok.expires_at <= time.time():
            raise ApiError(401, "Bad credentials")
        c.token = tok
        return tok.token

    def verify_jwt(self, token: str) -> dict[str, Any]:
        """Check an App JWT as GitHub does; raise ApiError(401) when it is not valid."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise ApiError(401, "A JSON web token could not be decoded") from None
        if header.get("alg") != "RS256":
            raise ApiError(401, "A JSON web token could not be decoded")
        try:
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError:
            raise ApiError(
                401,
                "'Expiration time' claim ('exp') must be a numeric value representing the future"
                " time at which the assertion expires",
            ) from None
        except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError):
            raise ApiError(
                401,
                "'Issued at' claim ('iat') must be an Integer representing the time that the"
                " assertion was issued",
            ) from None
        except jwt.InvalidTokenError:
            raise ApiError(401, "A JSON web token could not be decoded") from None
        if str(claims["iss"]) != str(self.app_id):
            raise ApiError(401, "Integration not found")
        exp, iat = int(claims["exp"]), int(claims["iat"])
        if exp - iat > JWT_MAX_LIFETIME + JWT_LEEWAY or exp - time.time() > JWT_MAX_LIFETIME + 30:
            raise ApiError(401, "'Expiration time' claim ('exp') is too far in the future")
        return claims

    def _visible_repo(self, c: Call) -> Repo:
        full = f"{c.params['owner']}/{c.params['repo']}"
        repo = self.find_repo(full)
        if repo is None:
            raise not_found()
        if c.token is not None:
            inst = self.installation(c.token.installation_id)
            covered = (
                inst is not None
                and inst.account == repo.owner
                and (inst.repositories is None or full in inst.repositories)
            )
            if not covered or (
                c.token.repositories is not None and full not in c.token.repositories
            ):
                raise not_found()
        return repo

    def _authorize(self, c: Call, perm: Perm) -> None:
        if c.token is None or not perm:
            return
        for resource, level in perm:
            have = PERMISSION_LEVELS.get(c.token.permissions.get(resource, "none"), 0)
            if have >= PERMISSION_LEVELS[level]:
                return
        raise ApiError(403, "Resource not accessible by integration")

    # ----------------------------------------------------------------- rendering

    def u(self, login: str | None, c: Call) -> dict[str, Any] | None:
        if login is None:
            return None
        info = self.user(login)
        url = f"{c.api}/users/{quote(login)}"
        return {
            "login": login,
            "id": info["id"],
            "node_id": _node_id("U", info["id"]),
            "avatar_url": f"{c.origin}/avatars/u/{info['id']}",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{c.origin}/{quote(login)}",
            **{f"{name}_url": url + suffix for name, suffix in _USER_LINKS},
            "type": info["type"],
            "site_admin": False,
        }

    def render_repo(self, r: Repo, c: Call) -> dict[str, Any]:
        api = f"{c.api}/repos/{r.full_name}"
        host = c.origin.split("://", 1)[1]
        return {
            "id": r.id,
            "node_id": _node_id("R", r.id),
            "name": r.name,
            "full_name": r.full_name,
            "private": r.private,
            "visibility": "private" if r.private else "public",
            "owner": self.u(r.owner, c),
            "html_url": f"{c.origin}/{r.full_name}",
            "description": None,
            "fork": False,
            "url": api,
            **{f"{name}_url": api + suffix for name, suffix in _REPO_LINKS},
            "git_url": f"git://{host}/{r.full_name}.git",
            "ssh_url": f"git@{host}:{r.full_name}.git",
            "clone_url": f"{c.origin}/{r.full_name}.git",
            "svn_url": f"{c.origin}/{r.full_name}",
            "mirror_url": None,
            "homepage": None,
            "language": None,
            "license": None,
            "size": sum(len(b) for b in r.blobs.values()) // 1024,
            **dict.fromkeys(_REPO_COUNTS, 0),
            **dict.fromkeys(("has_issues", "has_projects", "has_wiki", "has_downloads"), True),
            "has_pages": False,
            "has_discussions": False,
            "default_branch": r.default_branch,
            "archived": False,
            "disabled": False,
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": utc_iso(),
            "pushed_at": utc_iso(),
        }

    def render_pull(self, r: Repo, p: Pull, c: Call) -> dict[str, Any]:
        api = f"{c.api}/repos/{r.full_name}"
        url = f"{api}/pulls/{p.number}"
        html = f"{c.origin}/{r.full_name}/pull/{p.number}"
        head_repo = self.find_repo(p.head_repo) or r
        additions = sum(f["additions"] for f in p.files)
        deletions = sum(f["deletions"] for f in p.files)
        return {
            "url": url,
            "id": p.id,
            "node_id": _node_id("PR", p.id),
            "html_url": html,
            "diff_url": html + ".diff",
            "patch_url": html + ".patch",
            "issue_url": f"{api}/issues/{p.number}",
            "commits_url": url + "/commits",
            "review_comments_url": url + "/comments",
            "review_comment_url": api + "/pulls/comments{/number}",
            "comments_url": f"{api}/issues/{p.number}/comments",
            "statuses_url": f"{api}/statuses/{p.head_sha}",
            "number": p.number,
            "state": p.state,
            "locked": False,
            "title": p.title,
            "user": self.u(p.author, c),
            "body": p.body,
            "labels": [self.render_label(r, self.ensure_label(r, n), c) for n in p.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": p.created_at,
            "updated_at": p.updated_at,
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [self.u(x, c) for x in p.requested_reviewers],
            "requested_teams": [self.render_team(r.owner, t, c) for t in p.requested_teams],
            "head": self._ref(head_repo, p.head_ref, p.head_sha, c),
            "base": self._ref(r, p.base_ref, p.base_sha, c),
            "_links": {
                "self": {"href": url},
                "html": {"href": html},
                "issue": {"href": f"{api}/issues/{p.number}"},
                "comments": {"href": f"{api}/issues/{p.number}/comments"},
                "review_comments": {"href": url + "/comments"},
                "review_comment": {"href": api + "/pulls/comments{/number}"},
                "commits": {"href": url + "/commits"},
                "statuses": {"href": f"{api}/statuses/{p.head_sha}"},
            },
            "author_association": p.author_association,
            "auto_merge": None,
            "draft": p.draft,
            "merged": p.merged,
            "mergeable": True,
            "rebaseable": True,
            "mergeable_state": "clean",
            "merged_by": None,
            "comments": sum(1 for x in r.issue_comments.values() if x["issue_number"] == p.number),
            "review_comments": sum(
                1 for x in r.review_comments.values() if x["pull_number"] == p.number
            ),
            "maintainer_can_modify": False,
            "commits": len(p.commits),
            "additions": additions,
            "deletions": deletions,
            "changed_files": len(p.files),
        }

    def _ref(self, r: Repo, ref: str, sha: str, c: Call) -> dict[str, Any]:
        return {
            "label": f"{r.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self.u(r.owner, c),
            "repo": self.render_repo(r, c),
        }

    def render_file(self, r: Repo, p: Pull | str, f: dict[str, Any], c: Call) -> dict[str, Any]:
        """One changed file of a PR (or of a comparison whose head is the sha ``p``)."""
        head = p if isinstance(p, str) else p.head_sha
        path = quote(f["filename"])
        out = {
            "sha": f["sha"],
            "filename": f["filename"],
            "status": f["status"],
            "additions": f["additions"],
            "deletions": f["deletions"],
            "changes": f["changes"],
            "blob_url": f"{c.origin}/{r.full_name}/blob/{head}/{path}",
            "raw_url": f"{c.origin}/{r.full_name}/raw/{head}/{path}",
            "contents_url": f"{c.api}/repos/{r.full_name}/contents/{path}?ref={head}",
        }
        if f.get("patch") is not None:
            out["patch"] = f["patch"]
        if f.get("previous_filename"):
            out["previous_filename"] = f["previous_filename"]
        return out

    def render_commit(self, r: Repo, sha: str, c: Call) -> dict[str, Any]:
        meta = r.commits.get(sha) or {
            "message": "",
            "parents": [],
            "author": None,
            "date": utc_iso(),
        }
        api = f"{c.api}/repos/{r.full_name}"
        login = meta.get("author")
        person = {
            "name": login or "Someone",
            "email": f"{login or 'someone'}@example.com",
            "date": meta["date"],
        }
        tree_sha = _tree_sha(r.snapshots.get(sha, {}), "")
        return {
            "sha": sha,
            "node_id": _node_id("C", int(sha[:8], 16) if _is_hex(sha) else 0),
            "commit": {
                "author": person,
                "committer": person,
                "message": meta["message"],
                "tree": {"sha": tree_sha, "url": f"{api}/git/trees/{tree_sha}"},
                "url": f"{api}/git/commits/{sha}",
                "comment_count": 0,
            },
            "url": f"{api}/commits/{sha}",
            "html_url": f"{c.origin}/{r.full_name}/commit/{sha}",
            "comments_url": f"{api}/commits/{sha}/comments",
            "author": self.u(login, c),
            "committer": self.u(meta.get("committer", login), c),
            "parents": [{"sha": s, "url": f"{api}/commits/{s}"} for s in meta["parents"]],
        }

    def render_team(self, org: str, slug: str, c: Call) -> dict[str, Any]:
        team_id = int(hashlib.sha1(f"{org}/{slug}".encode()).hexdigest()[:6], 16)
        url = f"{c.api}/orgs/{org}/teams/{quote(slug)}"
        return {
            "id": team_id,
            "node_id": _node_id("T", team_id),
            "url": url,
            "html_url": f"{c.origin}/orgs/{org}/teams/{quote(slug)}",
            "members_url": url + "/members{/member}",
            "repositories_url": url + "/repos",
            "name": slug,
            "slug": slug,
            "description": None,
            "permission": "pull",
            "type": "organization",
            "parent": None,
        }

    def render_label(self, r: Repo, label: dict[str, Any], c: Call) -> dict[str, Any]:
        return {
            "id": label["id"],
            "node_id": _node_id("LA", label["id"]),
            "url": f"{c.api}/repos/{r.full_name}/labels/{quote(label['name'])}",
            "name": label["name"],
            "color": label["color"],
            "default": False,
            "description": label["description"] or "",  # a string in every PR schema
        }

    def render_check_run(self, r: Repo, run: dict[str, Any], c: Call) -> dict[str, Any]:
        url = f"{c.api}/repos/{r.full_name}/check-runs/{run['id']}"
        output = run["output"]
        return {
            "id": run["id"],
            "node_id": _node_id("CR", run["id"]),
            "head_sha": run["head_sha"],
            "external_id": run.get("external_id") or "",
            "url": url,
            "html_url": f"{c.origin}/{r.full_name}/runs/{run['id']}",
            "details_url": run.get("details_url"),
            "status": run["status"],
            "conclusion": run["conclusion"],
            "started_at": run["started_at"],
            "completed_at": run["completed_at"],
            "output": {
                "title": output.get("title"),
                "summary": output.get("summary"),
                "text": output.get("text"),
                "annotations_count": len(run["annotations"]),
                "annotations_url": url + "/annotations",
            },
            "name": run["name"],
            "check_suite": {"id": run["check_suite_id"]},
            "app": self.render_app(c, run.get("app_id", self.app_id)),
            # GitHub lists only PRs whose head is in this repository: a fork's is empty.
            "pull_requests": [
                self._minimal_pull(r, p, c)
                for p in r.pulls.values()
                if p.head_sha == run["head_sha"]
                and p.state == "open"
                and p.head_repo in ("", r.full_name)
            ],
        }

    def _minimal_pull(self, r: Repo, p: Pull, c: Call) -> dict[str, Any]:
        repo = {"id": r.id, "url": f"{c.api}/repos/{r.full_name}", "name": r.name}
        return {
            "id": p.id,
            "number": p.number,
            "url": f"{c.api}/repos/{r.full_name}/pulls/{p.number}",
            "head": {"ref": p.head_ref, "sha": p.head_sha, "repo": repo},
            "base": {"ref": p.base_ref, "sha": p.base_sha, "repo": repo},
        }

    def render_app(self, c: Call, app_id: int | None = None) -> dict[str, Any]:
        """This App, or (``app_id``) another one, e.g. the CI that ran a seeded check."""
        app_id = self.app_id if app_id is None else app_id
        slug = self.app_slug if app_id == self.app_id else f"app-{app_id}"
        return {
            "id": app_id,
            "slug": slug,
            "node_id": _node_id("A", app_id),
            "name": slug,
            "owner": self.u(slug, c),
            "description": "Fake App",
            "external_url": c.origin,
            "html_url": f"{c.origin}/apps/{self.app_slug}",
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
            "permissions": {},
            "events": ["pull_request", "pull_request_review", "issue_comment"],
            "installations_count": len(self._installations),
        }

    def render_installation(self, inst: Installation, c: Call) -> dict[str, Any]:
        return {
            "id": inst.id,
            "account": self.u(inst.account, c),
            "access_tokens_url": f"{c.api}/app/installations/{inst.id}/access_tokens",
            "repositories_url": f"{c.api}/installation/repositories",
            "html_url": f"{c.origin}/settings/installations/{inst.id}",
            "app_id": self.app_id,
            "app_slug": self.app_slug,
            "target_id": self.user(inst.account)["id"],
            "target_type": inst.account_type,
            "permissions": inst.permissions,
            "events": inst.events,
            "repository_selection": "all" if inst.repositories is None else "selected",
            "created_at": inst.created_at,
            "updated_at": inst.created_at,
            "single_file_name": None,
            "suspended_at": None,
            "suspended_by": None,
        }

    def render_review(self, r: Repo, v: dict[str, Any], c: Call) -> dict[str, Any]:
        pr_url = f"{c.api}/repos/{r.full_name}/pulls/{v['pull_number']}"
        html = f"{c.origin}/{r.full_name}/pull/{v['pull_number']}#pullrequestreview-{v['id']}"
        out = {
            "id": v["id"],
            "node_id": _node_id("PRR", v["id"]),
            "user": self.u(v["user"], c),
            "body": v["body"],
            "state": v["state"],
            "html_url": html,
            "pull_request_url": pr_url,
            "author_association": self._association(r, v["user"]),
            "_links": {"html": {"href": html}, "pull_request": {"href": pr_url}},
            "commit_id": v["commit_id"],
        }
        if v["submitted_at"]:
            out["submitted_at"] = v["submitted_at"]
        return out

    def render_review_comment(self, r: Repo, x: dict[str, Any], c: Call) -> dict[str, Any]:
        api = f"{c.api}/repos/{r.full_name}"
        pr_url = f"{api}/pulls/{x['pull_number']}"
        html = f"{c.origin}/{r.full_name}/pull/{x['pull_number']}#discussion_r{x['id']}"
        return {
            "url": f"{api}/pulls/comments/{x['id']}",
            "pull_request_review_id": x["review_id"],
            "id": x["id"],
            "node_id": _node_id("PRRC", x["id"]),
            "diff_hunk": x["diff_hunk"],
            "path": x["path"],
            "position": x["position"],
            "original_position": x["position"],
            "commit_id": x["commit_id"],
            "original_commit_id": x["commit_id"],
            **({"in_reply_to_id": x["in_reply_to_id"]} if x.get("in_reply_to_id") else {}),
            "user": self.u(x["user"], c),
            "body": x["body"],
            "created_at": x["created_at"],
            "updated_at": x["updated_at"],
            "html_url": html,
            "pull_request_url": pr_url,
            "author_association": self._association(r, x["user"]),
            "_links": {
                "self": {"href": f"{api}/pulls/comments/{x['id']}"},
                "html": {"href": html},
                "pull_request": {"href": pr_url},
            },
            "start_line": x["start_line"],
            "original_start_line": x["start_line"],
            "start_side": x["start_side"],
            "line": x["line"],
            "original_line": x["line"],
            "side": x["side"],
            "subject_type": x["subject_type"],
            "reactions": self._reaction_summary(r, "pull", x["id"], c),
        }

    def render_issue_comment(self, r: Repo, x: dict[str, Any], c: Call) -> dict[str, Any]:
        api = f"{c.api}/repos/{r.full_name}"
        return {
            "id": x["id"],
            "node_id": _node_id("IC", x["id"]),
            "url": f"{api}/issues/comments/{x['id']}",
            "html_url": f"{c.origin}/{r.full_name}/pull/{x['issue_number']}#issuecomment-{x['id']}",
            "body": x["body"],
            "user": self.u(x["user"], c),
            "created_at": x["created_at"],
            "updated_at": x["updated_at"],
            "issue_url": f"{api}/issues/{x['issue_number']}",
            "author_association": self._association(r, x["user"]),
            "reactions": self._reaction_summary(r, "issue", x["id"], c),
        }

    def _reaction_summary(self, r: Repo, kind: str, cid: int, c: Call) -> dict[str, Any]:
        reactions = r.reactions.get((kind, cid), [])
        segment = "issues" if kind == "issue" else "pulls"
        summary: dict[str, Any] = {
            "url": f"{c.api}/repos/{r.full_name}/{segment}/comments/{cid}/reactions",
            "total_count": len(reactions),
        }
        for content in sorted(REACTION_CONTENTS):
            summary[content] = sum(1 for x in reactions if x["content"] == content)
        return summary

    def _association(self, r: Repo, login: str) -> str:
        if login == r.owner:
            return "OWNER"
        if login in r.collaborators:
            return "COLLABORATOR"
        return "NONE"


# --------------------------------------------------------------------------- small helpers

# The hypermedia links GitHub puts on every user and repository object.
_USER_LINKS = (
    ("followers", "/followers"),
    ("following", "/following{/other_user}"),
    ("gists", "/gists{/gist_id}"),
    ("starred", "/starred{/owner}{/repo}"),
    ("subscriptions", "/subscriptions"),
    ("organizations", "/orgs"),
    ("repos", "/repos"),
    ("events", "/events{/privacy}"),
    ("received_events", "/received_events"),
)
_REPO_LINKS = (
    ("archive", "/{archive_format}{/ref}"),
    ("assignees", "/assignees{/user}"),
    ("blobs", "/git/blobs{/sha}"),
    ("branches", "/branches{/branch}"),
    ("collaborators", "/collaborators{/collaborator}"),
    ("comments", "/comments{/number}"),
    ("commits", "/commits{/sha}"),
    ("compare", "/compare/{base}...{head}"),
    ("contents", "/contents/{+path}"),
    ("contributors", "/contributors"),
    ("deployments", "/deployments"),
    ("downloads", "/downloads"),
    ("events", "/events"),
    ("forks", "/forks"),
    ("git_commits", "/git/commits{/sha}"),
    ("git_refs", "/git/refs{/sha}"),
    ("git_tags", "/git/tags{/sha}"),
    ("hooks", "/hooks"),
    ("issue_comment", "/issues/comments{/number}"),
    ("issue_events", "/issues/events{/number}"),
    ("issues", "/issues{/number}"),
    ("keys", "/keys{/key_id}"),
    ("labels", "/labels{/name}"),
    ("languages", "/languages"),
    ("merges", "/merges"),
    ("milestones", "/milestones{/number}"),
    ("notifications", "/notifications{?since,all,participating}"),
    ("pulls", "/pulls{/number}"),
    ("releases", "/releases{/id}"),
    ("stargazers", "/stargazers"),
    ("statuses", "/statuses/{sha}"),
    ("subscribers", "/subscribers"),
    ("subscription", "/subscription"),
    ("tags", "/tags"),
    ("teams", "/teams"),
    ("trees", "/git/trees{/sha}"),
)
_REPO_COUNTS = (
    "forks", "forks_count", "open_issues", "open_issues_count", "stargazers_count",
    "watchers", "watchers_count", "network_count", "subscribers_count",
)  # fmt: skip


def _node_id(prefix: str, num: int) -> str:
    return base64.b64encode(f"{prefix}_{num}".encode()).decode().rstrip("=")


def _request_id() -> str:
    raw = secrets.token_hex(12).upper()
    return f"{raw[:4]}:{raw[4:8]}:{raw[8:14]}:{raw[14:20]}:{raw[20:]}"


def _is_hex(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]+", value))


def _tree_sha(snapshot: dict[str, bytes], prefix: str) -> str:
    """A stable id for the tree at ``prefix`` of a snapshot (not git's, but unique)."""
    digest = hashlib.sha1(b"tree:" + prefix.encode())
    for path in sorted(snapshot):
        if path.startswith(prefix):
            digest.update(path.encode() + b"\0" + hashlib.sha1(snapshot[path]).digest())
    return digest.hexdigest()


def _is_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


# The handlers live in a sibling module so this file stays about the plumbing;
# importing it registers them in _ROUTES.
from tests.fakes import github_manifest as _github_manifest  # noqa: E402
from tests.fakes import github_routes as _github_routes  # noqa: E402, F401
