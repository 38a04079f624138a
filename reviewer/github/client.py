"""Every GitHub call the reviewer makes, through one choke point.

Calls go through PyGithub's ``Requester`` (auth, JSON, error types) with PyGithub's own
retry turned off: this layer owns retries so that it can honour ``Retry-After`` and
``x-ratelimit-reset``, back off on 5xx, re-mint the token once on a 401, and count every
HTTP request a review makes (``usage.github_requests``). Paginated lists follow the
``Link`` header; nothing is fetched that the caller did not ask for.
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests
from github import Auth, Github, GithubException

from reviewer import metrics
from reviewer.errors import ReviewerError
from reviewer.github.auth import InstallationTokens

MAX_FILES = 3000
MAX_ATTEMPTS = 5
MAX_WAIT_S = 60.0


class GitHubError(ReviewerError):
    """GitHub refused or failed a call after retries; ``status`` is its HTTP status."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class GitHubRateLimited(GitHubError):
    """GitHub asked us to wait longer than a job should block; retry the job later."""


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    errors = data.get("errors")
    return f"{data.get('message', '')}{f' {errors}' if errors else ''}".strip()


def _wait_for(exc: GithubException, now: float) -> float | None:
    """Seconds GitHub asked us to wait, or None when the error is not a rate limit."""
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    if exc.status not in (403, 429):
        return None
    if "retry-after" in headers:
        return float(headers["retry-after"])
    if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
        return max(float(headers["x-ratelimit-reset"]) - now, 0.0) + 1.0
    return 60.0 if exc.status == 429 else None


class GitHubClient:
    """One installation's client for one job; ``requests_made`` counts HTTP requests."""

    def __init__(
        self,
        tokens: InstallationTokens,
        *,
        seconds_between_writes: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: int = 30,
        backoff_base: float = 0.5,
    ) -> None:
        self.tokens = tokens
        self.api_url = tokens.creds.api_url
        self.sleep = sleep
        self.timeout = timeout
        self.seconds_between_writes = seconds_between_writes
        self.backoff_base = backoff_base
        self.requests_made = 0
        self._gh: Github | None = None
        self._gh_token: str | None = None
        self._mints_seen = tokens.mints

    def _github(self, force_token: bool = False) -> Github:
        token = self.tokens.token(force=force_token)
        self.requests_made += self.tokens.mints - self._mints_seen
        self._mints_seen = self.tokens.mints
        if self._gh is None or token != self._gh_token:
            self._gh = Github(
                auth=Auth.Token(token),
                base_url=self.api_url,
                retry=None,
                lazy=True,
                timeout=self.timeout,
                seconds_between_requests=None,
                seconds_between_writes=self.seconds_between_writes,
            )
            self._gh_token = token
        return self._gh

    def request(
        self,
        verb: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[dict[str, Any], Any]:
        """One logical call with retries; raises ``GitHubError`` when it cannot succeed.

        With ``headers={"If-None-Match": etag}`` a 304 Not Modified returns ``(headers, None)``.
        """
        reminted = False
        for attempt in range(1, MAX_ATTEMPTS + 1):
            gh = self._github(force_token=False)
            self.requests_made += 1
            try:
                answer = gh.requester.requestJsonAndCheck(
                    verb, url, parameters=params, headers=headers, input=body
                )
                metrics.github_response(verb, "2xx", answer[0])
                return answer
            except GithubException as exc:
                metrics.github_response(verb, str(exc.status), exc.headers)
                if exc.status == 401 and not reminted:
                    reminted = True
                    self._github(force_token=True)
                    continue
                wait = _wait_for(exc, time.time())
                if wait is not None:
                    if wait > MAX_WAIT_S or attempt == MAX_ATTEMPTS:
                        raise GitHubRateLimited(
                            f"{verb} {url}: rate limited for {wait:.0f} s", exc.status
                        ) from exc
                    self.sleep(wait)
                    continue
                if exc.status >= 500 and attempt < MAX_ATTEMPTS:
                    self.sleep(self._backoff(attempt))
                    continue
                raise GitHubError(
                    f"{verb} {url}: HTTP {exc.status} {_message(exc)}", exc.status
                ) from exc
            except requests.RequestException as exc:
                if attempt == MAX_ATTEMPTS:
                    raise GitHubError(f"{verb} {url}: {type(exc).__name__}: {exc}") from exc
                self.sleep(self._backoff(attempt))
        raise GitHubError(f"{verb} {url}: gave up after {MAX_ATTEMPTS} attempts")

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_base * 2 ** (attempt - 1), 8.0) * random.uniform(0.5, 1.5)

    def paginate(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        limit: int = MAX_FILES,
        key: str | None = None,
    ) -> list[Any]:
        """All items of a list endpoint, 100 per page, following ``Link: rel="next"``;
        ``key`` names the list in endpoints that answer an object (``check_runs``)."""
        items: list[Any] = []
        next_url: str | None = url
        query: dict[str, Any] | None = {**(params or {}), "per_page": 100}
        while next_url and len(items) < limit:
            headers, page = self.request("GET", next_url, params=query)
            items.extend(page.get(key) or [] if key else page)
            next_url = _next_link(headers.get("link", ""))
            query = None  # the next link carries the query
        return items[:limit]

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """One GraphQL query (``/api/graphql`` on Enterprise, ``/graphql`` on github.com)."""
        url = self._github().requester.graphql_url
        data = self.request("POST", url, body={"query": query, "variables": variables})[1]
        if not isinstance(data, dict) or data.get("errors"):
            errors = data.get("errors") if isinstance(data, dict) else data
            raise GitHubError(f"GraphQL query failed: {errors}")
        return dict(data.get("data") or {})

    def get_optional(self, url: str, params: dict[str, Any] | None = None) -> Any | None:
        """A GET whose 404 means 'absent' rather than an error."""
        try:
            return self.request("GET", url, params=params)[1]
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise

    # -- reads ---------------------------------------------------------------------

    def pull(self, repo: str, number: int) -> dict[str, Any]:
        return self.request("GET", f"/repos/{repo}/pulls/{number}")[1]

    def pull_files(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self.paginate(f"/repos/{repo}/pulls/{number}/files")

    def compare(self, repo: str, base: str, head: str) -> dict[str, Any]:
        """``base...head``: files (up to 300) and commits (up to 250) pinned to these shas."""
        return self.request("GET", f"/repos/{repo}/compare/{base}...{head}")[1]

    def pull_commits(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self.paginate(f"/repos/{repo}/pulls/{number}/commits", limit=250)

    def file_text(self, repo: str, path: str, ref: str) -> str | None:
        """A file's text; one of 1-100 MB comes without content (``encoding: none``) from
        the contents API, so it is read as a blob rather than taken for an empty file."""
        data = self.get_optional(f"/repos/{repo}/contents/{quote(path)}", {"ref": ref})
        if not isinstance(data, dict) or data.get("type", "file") != "file":
            return None
        if data.get("encoding") == "none" and data.get("sha"):
            return self.blob_text(repo, str(data["sha"]))
        return base64.b64decode(data.get("content", "")).decode("utf-8", "replace")

    def blob_text(self, repo: str, sha: str) -> str:
        data = self.request("GET", f"/repos/{repo}/git/blobs/{sha}")[1]
        return base64.b64decode(data.get("content", "")).decode("utf-8", "replace")

    def tree(self, repo: str, ref: str) -> tuple[list[dict[str, Any]], bool]:
        """The recursive tree at ``ref`` and whether GitHub truncated it (past 100,000
        entries or 7 MB it lists only part of the tree, and says so)."""
        data = self.request(
            "GET", f"/repos/{repo}/git/trees/{quote(ref)}", params={"recursive": "1"}
        )[1]
        return list(data.get("tree", [])), bool(data.get("truncated"))

    def permission(self, repo: str, user: str) -> str:
        data = self.get_optional(f"/repos/{repo}/collaborators/{quote(user)}/permission")
        return str(data.get("permission", "none")) if isinstance(data, dict) else "none"

    def open_pulls_at(self, repo: str, sha: str) -> list[int]:
        """Numbers of the open PRs whose head is ``sha`` (a fork's included: GitHub does not
        name those in check events)."""
        pulls = self.paginate(f"/repos/{repo}/pulls", params={"state": "open"}, limit=1000)
        return [int(p["number"]) for p in pulls if (p.get("head") or {}).get("sha") == sha]

    def pulls_for_commit(self, repo: str, sha: str) -> list[dict[str, Any]]:
        """Pull requests whose branch holds commit ``sha`` (open ones included)."""
        return self.paginate(f"/repos/{repo}/commits/{sha}/pulls")

    def team_member(self, org: str, slug: str, user: str) -> bool | None:
        """Whether ``user`` is an active member of ``org/slug``; None when the App may
        not read memberships (no ``members`` permission)."""
        try:
            data = self.get_optional(
                f"/orgs/{quote(org)}/teams/{quote(slug)}/memberships/{quote(user)}"
            )
        except GitHubError as exc:
            if exc.status == 403:
                return None
            raise
        return isinstance(data, dict) and data.get("state") == "active"

    def check_runs(
        self, repo: str, sha: str, *, name: str | None = None, own: bool = False
    ) -> list[dict[str, Any]]:
        """Every check run of the commit (all pages), only ``name``'s and only this App's
        when asked: on a busy head one page of 100 can miss ours."""
        params: dict[str, Any] = {"filter": "all"}
        if name is not None:
            params["check_name"] = name
        if own:
            params["app_id"] = self.tokens.creds.app_id
        return self.paginate(
            f"/repos/{repo}/commits/{sha}/check-runs", params=params, limit=1000, key="check_runs"
        )

    def combined_status(self, repo: str, sha: str) -> dict[str, Any]:
        return self.request("GET", f"/repos/{repo}/commits/{sha}/status")[1]

    def pull_reviews(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self.paginate(f"/repos/{repo}/pulls/{number}/reviews", limit=1000)

    def issue_labels(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self.paginate(f"/repos/{repo}/issues/{number}/labels", limit=1000)

    def issue_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return self.paginate(f"/repos/{repo}/issues/{number}/comments", limit=1000)

    def review_comments_of_review(
        self, repo: str, number: int, review_id: int
    ) -> list[dict[str, Any]]:
        return self.paginate(
            f"/repos/{repo}/pulls/{number}/reviews/{review_id}/comments", limit=1000
        )

    def conditional_list(
        self, url: str, etag: str | None, *, limit: int = 1000
    ) -> tuple[list[Any] | None, str | None, dict[str, Any]]:
        """A paginated list fetched only when its first page changed since ``etag``.

        Returns ``(None, etag, headers)`` on 304 Not Modified (free against the rate
        limit), else ``(items, new_etag, headers of the first page)``. GitHub orders these
        lists oldest first, so a change anywhere changes the first page's ETag while the
        list fits one page; longer lists are re-read whole when their first page changes
        and also whenever ``etag`` is None. ETags are kept with the token they were
        issued to (see ``_if_none_match``).
        """
        first_headers, page = self.request(
            "GET", url, params={"per_page": 100}, headers=self._if_none_match(etag)
        )
        if page is None:
            return None, etag, first_headers
        items = list(page)
        next_url = _next_link(first_headers.get("link", ""))
        while next_url and len(items) < limit:
            headers, more = self.request("GET", next_url)
            items.extend(more or [])
            next_url = _next_link(headers.get("link", ""))
        new_etag = None if _next_link(first_headers.get("link", "")) else first_headers.get("etag")
        return items[:limit], self._scoped(new_etag), first_headers

    def conditional_get(
        self, url: str, etag: str | None
    ) -> tuple[dict[str, Any] | None, str | None, dict[str, Any]]:
        """One resource, or None when it has not changed since ``etag`` (304)."""
        headers, data = self.request("GET", url, headers=self._if_none_match(etag))
        if data is None:
            return None, etag, headers
        return data, self._scoped(headers.get("etag")), headers

    def _token_tag(self) -> str:
        token = self._gh_token or self.tokens.token()
        return hashlib.sha256(token.encode()).hexdigest()[:12]

    def _scoped(self, etag: str | None) -> str | None:
        """GitHub's ETags are valid only for the token that got them: store them as
        ``<token fingerprint> <etag>``."""
        return f"{self._token_tag()} {etag}" if etag else None

    def _if_none_match(self, stored: str | None) -> dict[str, str] | None:
        tag, _, etag = (stored or "").partition(" ")
        return {"If-None-Match": etag} if etag and tag == self._token_tag() else None

    # -- writes --------------------------------------------------------------------

    def create_check_run(self, repo: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", f"/repos/{repo}/check-runs", body=body)[1]

    def update_check_run(self, repo: str, run_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return self.request("PATCH", f"/repos/{repo}/check-runs/{run_id}", body=body)[1]

    def create_review(self, repo: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", f"/repos/{repo}/pulls/{number}/reviews", body=body)[1]

    def add_labels(self, repo: str, number: int, labels: list[str]) -> None:
        self.request("POST", f"/repos/{repo}/issues/{number}/labels", body={"labels": labels})

    def remove_label(self, repo: str, number: int, label: str) -> None:
        try:
            self.request("DELETE", f"/repos/{repo}/issues/{number}/labels/{quote(label)}")
        except GitHubError as exc:
            if exc.status != 404:
                raise

    def request_reviewers(self, repo: str, number: int, users: list[str], teams: list[str]) -> None:
        self.request(
            "POST",
            f"/repos/{repo}/pulls/{number}/requested_reviewers",
            body={"reviewers": users, "team_reviewers": teams},
        )

    def create_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        return self.request("POST", f"/repos/{repo}/issues/{number}/comments", body={"body": body})[
            1
        ]

    def edit_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        return self.request(
            "PATCH", f"/repos/{repo}/issues/comments/{comment_id}", body={"body": body}
        )[1]


def _next_link(link_header: str) -> str | None:
    for part in link_header.split(","):
        section = part.split(";")
        if len(section) >= 2 and any(s.strip() == 'rel="next"' for s in section[1:]):
            return section[0].strip().strip("<>")
    return None
