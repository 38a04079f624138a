"""State, seeding API, fault injection and request recording of the fake GitHub.

The HTTP side lives in :mod:`tests.fakes.github`; this module holds plain data and
the Python API tests use to seed it and read it back. Every public method takes
the state lock, because the server runs in another thread.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DOCS_URL = "https://docs.github.com/rest"
PERMISSION_LEVELS = {"none": 0, "read": 1, "write": 2, "admin": 3}
COLLABORATOR_ROLES = {"admin", "maintain", "write", "triage", "read"}
REACTION_CONTENTS = {"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"}
DEFAULT_INSTALLATION_PERMISSIONS = {
    "metadata": "read",
    "contents": "read",
    "pull_requests": "write",
    "issues": "write",
    "checks": "write",
    "statuses": "read",
    "members": "read",
}
_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")


class ApiError(Exception):
    """An error response in GitHub's JSON shape; raised by handlers and helpers."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            data["errors"] = self.errors
        data["documentation_url"] = DOCS_URL
        data["status"] = str(self.status)
        return data


def utc_iso(ts: float | None = None) -> str:
    """RFC 3339 UTC with ``Z``, second precision, as GitHub writes times."""
    moment = datetime.fromtimestamp(time.time() if ts is None else ts, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def to_bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else bytes(content)


def git_blob_sha(data: bytes) -> str:
    """The object id git gives a blob with this content."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# --------------------------------------------------------------------------- patches


@dataclass(frozen=True)
class PatchMap:
    """Which lines a unified-diff patch shows, per side, and where.

    ``right``/``left`` map a line number (new/old file numbering) to its index in
    ``lines``; ``hunk_of`` maps an index to its hunk; ``positions`` maps GitHub's
    legacy ``position`` (1 = the line below the first ``@@`` header) to an index.
    """

    lines: tuple[str, ...]
    right: dict[int, int]
    left: dict[int, int]
    hunk_of: dict[int, int]
    hunk_start: tuple[int, ...]
    positions: dict[int, int]

    def side(self, side: str) -> dict[int, int]:
        return self.right if side == "RIGHT" else self.left

    def diff_hunk(self, index: int) -> str:
        start = self.hunk_start[self.hunk_of[index]]
        return "\n".join(self.lines[start : index + 1])

    def line_of_index(self, index: int) -> tuple[str, int]:
        for line, idx in self.right.items():
            if idx == index:
                return "RIGHT", line
        for line, idx in self.left.items():
            if idx == index:
                return "LEFT", line
        raise KeyError(index)


def parse_patch(patch: str | None) -> PatchMap:
    """Parse a GitHub ``patch`` (hunks only, or a full unified diff) into a PatchMap.

    RIGHT lines are context and added lines numbered in the new file; LEFT lines are
    context and removed lines numbered in the old file.
    """
    lines = tuple((patch or "").split("\n"))
    right: dict[int, int] = {}
    left: dict[int, int] = {}
    hunk_of: dict[int, int] = {}
    hunk_start: list[int] = []
    positions: dict[int, int] = {}
    old = new = 0
    position = 0
    for index, raw in enumerate(lines):
        match = _HUNK_RE.match(raw)
        if match:
            if hunk_start:
                position += 1  # later hunk headers count as positions
            hunk_start.append(index)
            old, new = int(match.group(1)), int(match.group(3))
            continue
        if not hunk_start or raw.startswith("\\"):
            continue  # file headers before the first hunk; "\ No newline at end of file"
        position += 1
        positions[position] = index
        hunk_of[index] = len(hunk_start) - 1
        tag = raw[:1]
        if tag == "+":
            right[new] = index
            new += 1
        elif tag == "-":
            left[old] = index
            old += 1
        else:
            right[new] = index
            left[old] = index
            new += 1
            old += 1
    return PatchMap(lines, right, left, hunk_of, tuple(hunk_start), positions)


def make_patch(
    old: str | bytes | None, new: str | bytes | None, context: int = 3
) -> tuple[str | None, int, int]:
    """GitHub-style patch (hunks only, no ``---``/``+++``) and (additions, deletions).

    Returns ``(None, 0, 0)`` for binary content, as GitHub omits ``patch`` there.
    """
    try:
        old_text = to_bytes(old).decode("utf-8") if old is not None else ""
        new_text = to_bytes(new).decode("utf-8") if new is not None else ""
    except UnicodeDecodeError:
        return None, 0, 0
    if "\0" in old_text or "\0" in new_text:
        return None, 0, 0
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    diff = list(difflib.unified_diff(old_lines, new_lines, n=context, lineterm=""))[2:]
    additions = sum(1 for line in diff if line.startswith("+"))
    deletions = sum(1 for line in diff if line.startswith("-"))
    return "\n".join(diff), additions, deletions


# --------------------------------------------------------------------------- records


@dataclass
class RecordedRequest:
    """One request the fake received (``path`` has no ``/api/v3`` prefix)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    body: bytes
    time: float
    status: int = 0
    auth: str | None = None  # "jwt", "token" or None
    fault: bool = False
    response: Any = None


@dataclass
class Fault:
    remaining: int
    status: int
    kind: str  # "error", "secondary", "primary"
    path_contains: str | None = None
    method: str | None = None
    retry_after: int = 1
    message: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_contains is None or self.path_contains in path


@dataclass
class Token:
    token: str
    installation_id: int
    expires_at: float
    permissions: dict[str, str]
    repositories: set[str] | None  # full names; None = every repo of the installation


@dataclass
class Installation:
    id: int
    account: str
    account_type: str
    permissions: dict[str, str]
    repositories: set[str] | None
    events: list[str]
    created_at: str


@dataclass
class Pull:
    number: int
    id: int
    title: str
    body: str | None
    author: str
    author_association: str
    head_sha: str
    base_sha: str
    head_ref: str
    base_ref: str
    head_repo: str
    draft: bool
    state: str
    labels: list[str]
    files: list[dict[str, Any]]
    commits: list[str]  # shas, oldest first
    requested_reviewers: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    created_at: str = field(default_factory=utc_iso)
    updated_at: str = field(default_factory=utc_iso)
    merged: bool = False


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    default_branch: str
    private: bool
    collaborators: dict[str, str]
    branches: dict[str, str] = field(default_factory=dict)
    snapshots: dict[str, dict[str, bytes]] = field(default_factory=dict)
    commits: dict[str, dict[str, Any]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    issue_comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    review_comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    reviews: dict[int, dict[str, Any]] = field(default_factory=dict)
    check_runs: dict[int, dict[str, Any]] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


# --------------------------------------------------------------------------- state


class GitHubState:
    """All data of the fake, with the seeding, reading and fault-injection API."""

    def __init__(
        self,
        *,
        app_id: int | str,
        app_slug: str = "pr-reviewer",
        token_lifetime: float = 3600.0,
        rate_limit: int = 5000,
    ) -> None:
        self.lock = threading.RLock()
        self.app_id = int(app_id)
        self.app_slug = app_slug
        self.token_lifetime = token_lifetime
        self.rate_limit = rate_limit
        self.latency_seconds = 0.0
        self.tree_entry_limit = 100_000  # entries of one tree answer (GitHub: 100,000)
        self.compare_file_limit = 300  # files of one comparison (GitHub: 300)
        self._hooks: list[tuple[str, str, Callable[[], None]]] = []
        self.api_url: str | None = None  # "http://127.0.0.1:PORT/api/v3", set by whoever serves it
        self._ids = itertools.count(1001)
        self._users: dict[str, dict[str, Any]] = {}
        self._installations: dict[int, Installation] = {}
        self._tokens: dict[str, Token] = {}
        self._repos: dict[str, Repo] = {}
        self._teams: dict[tuple[str, str], set[str]] = {}  # (org, slug) -> active members
        self._deliveries: list[dict[str, Any]] = []
        self._faults: list[Fault] = []
        self._rate: dict[str, list[float]] = {}  # key -> [limit, used, reset]
        self._requests: list[RecordedRequest] = []
        self.user(self.bot_login, type="Bot")

    # ----------------------------------------------------------------- identities

    @property
    def bot_login(self) -> str:
        return f"{self.app_slug}[bot]"

    def next_id(self) -> int:
        return next(self._ids)

    def user(self, login: str, *, type: str | None = None) -> dict[str, Any]:
        """Get or register a user account (``[bot]`` suffix means type Bot)."""
        with self.lock:
            known = self._users.get(login)
            if known is None:
                kind = type or ("Bot" if login.endswith("[bot]") else "User")
                known = {"login": login, "id": self.next_id(), "type": kind}
                self._users[login] = known
            elif type is not None:
                known["type"] = type
            return known

    def has_user(self, login: str) -> bool:
        with self.lock:
            return login in self._users

    add_user = user

    # ----------------------------------------------------------------- seeding

    def add_installation(
        self,
        installation_id: int,
        owner: str,
        *,
        owner_type: str = "Organization",
        permissions: Mapping[str, str] | None = None,
        repositories: Iterable[str] | None = None,
        events: Iterable[str] = ("pull_request", "pull_request_review", "issue_comment"),
    ) -> Installation:
        """Install the App on ``owner`` (all its repos unless ``repositories`` is given)."""
        with self.lock:
            self.user(owner, type=owner_type)
            inst = Installation(
                id=int(installation_id),
                account=owner,
                account_type=owner_type,
                permissions=dict(permissions or DEFAULT_INSTALLATION_PERMISSIONS),
                repositories=None if repositories is None else set(repositories),
                events=list(events),
                created_at=utc_iso(),
            )
            self._installations[inst.id] = inst
            return inst

    def add_repo(
        self,
        full_name: str,
        *,
        default_branch: str = "main",
        files: Mapping[str, str | bytes] | None = None,
        collaborators: Mapping[str, str] | None = None,
        private: bool = True,
    ) -> Repo:
        """Create a repo whose default branch holds ``files``.

        ``collaborators`` maps login -> role (admin|maintain|write|triage|read).
        """
        owner, name = full_name.split("/", 1)
        with self.lock:
            self.user(owner)
            repo = Repo(
                id=self.next_id(),
                owner=owner,
                name=name,
                default_branch=default_branch,
                private=private,
                collaborators={},
            )
            self._repos[full_name] = repo
            sha = self._new_commit(repo, {}, message="Initial commit", parents=[])
            repo.branches[default_branch] = sha
            for path, content in (files or {}).items():
                self._put(repo, sha, path, content)
            for login, role in (collaborators or {}).items():
                self.add_collaborator(full_name, login, role)
            return repo

    def add_team(self, org: str, slug: str, members: Iterable[str]) -> None:
        """A team ``org/slug`` whose active members are ``members``."""
        with self.lock:
            for login in members:
                self.user(login)
            self._teams[(org, slug)] = set(members)

    def team_members(self, org: str, slug: str) -> set[str] | None:
        with self.lock:
            found = self._teams.get((org, slug))
            return None if found is None else set(found)

    def add_collaborator(self, repo: str, login: str, role: str = "write") -> None:
        if role not in COLLABORATOR_ROLES:
            raise ValueError(f"role must be one of {sorted(COLLABORATOR_ROLES)}")
        with self.lock:
            self.user(login)
            self.repo(repo).collaborators[login] = role

    def set_file(self, repo: str, ref: str, path: str, content: str | bytes | None) -> str:
        """Write (or with ``None`` delete) ``path`` at ``ref``; returns the commit sha.

        ``ref`` is a branch (created from the default branch if new) or a commit sha.
        """
        with self.lock:
            r = self.repo(repo)
            sha = self.resolve_ref(r, ref)
            if sha is None:
                base = r.snapshots[r.branches[r.default_branch]]
                if _HEX40.match(ref):
                    sha = ref
                    r.snapshots[sha] = dict(base)
                    r.commits.setdefault(sha, self._commit_meta(sha, "Seeded commit", []))
                else:
                    sha = self._new_commit(r, dict(base), message=f"Create {ref}", parents=[])
                    r.branches[ref] = sha
            r.snapshots.setdefault(sha, {})
            self._put(r, sha, path, content)
            return sha

    def add_pull(
        self,
        repo: str,
        number: int | None = None,
        *,
        title: str = "Change things",
        body: str | None = "",
        author: str = "octocat",
        author_association: str = "CONTRIBUTOR",
        head_sha: str | None = None,
        base_sha: str | None = None,
        head_ref: str | None = None,
        base_ref: str | None = None,
        head_repo: str | None = None,
        files: Iterable[Mapping[str, Any]] = (),
        commits: Iterable[str | Mapping[str, Any]] | None = None,
        draft: bool = False,
        labels: Iterable[str] = (),
        state: str = "open",
        requested_reviewers: Iterable[str] = (),
    ) -> Pull:
        """Create a pull request.

        ``files`` items: ``filename`` (or ``path``), ``status`` (added|removed|modified|
        renamed; default modified), ``patch`` (or None for binary/too large),
        ``additions``/``deletions`` (counted from the patch when absent), optional
        ``content`` (head content: stored as a blob and in the head snapshot; None for
        removed) and ``previous_filename``. ``commits`` items are messages or dicts with
        ``message``/``sha``/``author``; the last commit is the head.
        """
        with self.lock:
            r = self.repo(repo)
            self.user(author)
            number = number or self._next_issue_number(r)
            if number in r.pulls:
                raise ValueError(f"{repo}#{number} exists")
            base_ref = base_ref or r.default_branch
            base_sha = base_sha or r.branches.get(base_ref) or r.branches[r.default_branch]
            if base_sha not in r.snapshots:
                r.snapshots[base_sha] = {}
                r.commits.setdefault(base_sha, self._commit_meta(base_sha, "Base", []))
            head_snapshot = dict(r.snapshots[base_sha])
            norm_files = [self._normalise_file(r, f, head_snapshot) for f in files]
            commit_specs = list(commits) if commits is not None else [title]
            shas: list[str] = []
            parent = base_sha
            for i, spec in enumerate(commit_specs):
                spec_d = {"message": spec} if isinstance(spec, str) else dict(spec)
                last = i == len(commit_specs) - 1
                sha = spec_d.get("sha") or (head_sha if last and head_sha else _random_sha())
                meta = self._commit_meta(sha, spec_d.get("message", "Commit"), [parent])
                meta["author"] = spec_d.get("author", author)
                r.commits[sha] = meta
                shas.append(sha)
                parent = sha
            head_sha = shas[-1] if shas else (head_sha or _random_sha())
            r.snapshots.setdefault(head_sha, head_snapshot)
            r.commits.setdefault(head_sha, self._commit_meta(head_sha, title, [base_sha]))
            pull = Pull(
                number=number,
                id=self.next_id(),
                title=title,
                body=body,
                author=author,
                author_association=author_association,
                head_sha=head_sha,
                base_sha=base_sha,
                head_ref=head_ref or f"feature-{number}",
                base_ref=base_ref,
                head_repo=head_repo or r.full_name,
                draft=draft,
                state=state,
                labels=[],
                files=norm_files,
                commits=shas,
            )
            r.pulls[number] = pull
            for label in labels:
                self.ensure_label(r, label)
                pull.labels.append(label)
            for login in requested_reviewers:
                self.user(login)
                pull.requested_reviewers.append(login)
            return pull

    def add_pull_from_contents(
        self,
        repo: str,
        number: int | None = None,
        *,
        new: Mapping[str, str | bytes | None],
        old: Mapping[str, str | bytes | None] | None = None,
        **kwargs: Any,
    ) -> Pull:
        """Create a PR from file contents: ``old`` is written onto the base commit
        (default: the default branch head), ``new`` maps path -> head content (None
        deletes). Files and patches are computed with difflib."""
        with self.lock:
            r = self.repo(repo)
            base_sha = kwargs.pop("base_sha", None) or r.branches[r.default_branch]
            r.snapshots.setdefault(base_sha, {})
            r.commits.setdefault(base_sha, self._commit_meta(base_sha, "Base", []))
            for path, content in (old or {}).items():
                self._put(r, base_sha, path, content)
            base = r.snapshots[base_sha]
            head = dict(base)
            for path, content in new.items():
                if content is None:
                    head.pop(path, None)
                else:
                    head[path] = to_bytes(content)
            files = _diff_files(base, head)
            return self.add_pull(repo, number, base_sha=base_sha, files=files, **kwargs)

    def push(
        self,
        repo: str,
        number: int,
        changes: Mapping[str, str | bytes | None],
        *,
        message: str = "Update",
        sha: str | None = None,
        files: Iterable[Mapping[str, Any]] | None = None,
        author: str | None = None,
        committer: str | None = None,
    ) -> str:
        """Push one commit onto the PR's head branch; returns the new head sha.

        ``changes`` maps path -> new content (None deletes) on top of the current head.
        ``author``/``committer``: the commit's logins (default: the PR's author).
        The PR's files are recomputed as base...new head with difflib, unless ``files``
        (same shape as in :meth:`add_pull`) is given to set them explicitly.
        """
        with self.lock:
            r = self.repo(repo)
            pull = self.pull(r, number)
            head = dict(r.snapshots.get(pull.head_sha, {}))
            for path, content in changes.items():
                if content is None:
                    head.pop(path, None)
                else:
                    head[path] = to_bytes(content)
                    r.blobs[git_blob_sha(head[path])] = head[path]
            new_sha = sha or _random_sha()
            meta = self._commit_meta(new_sha, message, [pull.head_sha])
            meta["author"] = author or pull.author
            meta["committer"] = committer or meta["author"]
            r.commits[new_sha] = meta
            if files is None:
                r.snapshots[new_sha] = head
                pull.files = [
                    self._normalise_file(r, f, {})
                    for f in _diff_files(r.snapshots.get(pull.base_sha, {}), head)
                ]
            else:
                pull.files = [self._normalise_file(r, f, head) for f in files]
                r.snapshots[new_sha] = head
            pull.commits.append(new_sha)
            pull.head_sha = new_sha
            pull.updated_at = utc_iso()
            return new_sha

    def retarget(self, repo: str, number: int, base_ref: str) -> None:
        """Change the PR's base branch (as the "Edit" button does); its files become the
        diff from that branch's head to the PR's head."""
        with self.lock:
            r = self.repo(repo)
            pull = self.pull(r, number)
            pull.base_ref, pull.base_sha = base_ref, r.branches[base_ref]
            pull.files = [
                self._normalise_file(r, f, {})
                for f in _diff_files(
                    r.snapshots.get(pull.base_sha, {}), r.snapshots.get(pull.head_sha, {})
                )
            ]
            pull.updated_at = utc_iso()

    def dismiss_review(self, repo: str, review_id: int, message: str = "Dismissed") -> None:
        """A maintainer dismissed a submitted approval or change request."""
        with self.lock:
            review = self.repo(repo).reviews[review_id]
            if review["state"] not in ("APPROVED", "CHANGES_REQUESTED"):
                raise ValueError("only approvals and change requests can be dismissed")
            review["state"], review["dismissal_message"] = "DISMISSED", message

    def add_issue_comment(
        self, repo: str, number: int, body: str, *, author: str = "octocat"
    ) -> dict[str, Any]:
        """Seed a comment on issue/PR ``number`` written by ``author``."""
        with self.lock:
            r = self.repo(repo)
            self.pull(r, number)
            self.user(author)
            now = utc_iso()
            comment: dict[str, Any] = {
                "id": self.next_id(),
                "issue_number": number,
                "body": body,
                "user": author,
                "created_at": now,
                "updated_at": now,
            }
            r.issue_comments[comment["id"]] = comment
            return copy.deepcopy(comment)

    def add_review(
        self,
        repo: str,
        number: int,
        *,
        user: str,
        state: str = "APPROVED",
        body: str = "",
        commit_id: str | None = None,
    ) -> dict[str, Any]:
        """Seed a submitted review by a human (APPROVED|CHANGES_REQUESTED|COMMENTED)."""
        with self.lock:
            r = self.repo(repo)
            pull = self.pull(r, number)
            self.user(user)
            review = self.new_review(r, pull, user, state, body, commit_id or pull.head_sha)
            if user in pull.requested_reviewers:
                pull.requested_reviewers.remove(user)
            return copy.deepcopy(review)

    def new_review(
        self, r: Repo, pull: Pull, user: str, state: str, body: str, commit_id: str
    ) -> dict[str, Any]:
        review: dict[str, Any] = {
            "id": self.next_id(),
            "pull_number": pull.number,
            "user": user,
            "state": state,
            "body": body or "",
            "commit_id": commit_id,
            "submitted_at": None if state == "PENDING" else utc_iso(),
        }
        r.reviews[review["id"]] = review
        return review

    def add_reaction(
        self, repo: str, comment_id: int, content: str = "+1", *, user: str = "octocat"
    ) -> dict[str, Any]:
        """Seed a reaction on an issue comment or a review comment (found by id)."""
        if content not in REACTION_CONTENTS:
            raise ValueError(f"reaction must be one of {sorted(REACTION_CONTENTS)}")
        with self.lock:
            r = self.repo(repo)
            if comment_id in r.issue_comments:
                kind = "issue"
            elif comment_id in r.review_comments:
                kind = "pull"
            else:
                raise KeyError(f"no comment {comment_id} in {repo}")
            self.user(user)
            reaction = {
                "id": self.next_id(),
                "user": user,
                "content": content,
                "created_at": utc_iso(),
            }
            r.reactions.setdefault((kind, comment_id), []).append(reaction)
            return copy.deepcopy(reaction)

    def add_foreign_check_runs(
        self, repo: str, sha: str, count: int, *, app_id: int = 15368, name: str = "ci/test"
    ) -> None:
        """Seed ``count`` completed check runs of another App (a busy CI) on ``sha``."""
        with self.lock:
            r = self.repo(repo)
            for i in range(count):
                run_id = self.next_id()
                r.check_runs[run_id] = {
                    "id": run_id, "name": f"{name}-{i}", "head_sha": sha, "app_id": app_id,
                    "status": "completed", "conclusion": "success", "started_at": utc_iso(),
                    "completed_at": utc_iso(), "annotations": [], "details_url": None,
                    "output": {"title": "ok", "summary": "ok", "text": None},
                    "external_id": None, "check_suite_id": app_id,
                }  # fmt: skip

    def add_status(
        self, repo: str, sha: str, *, context: str, state: str, description: str = ""
    ) -> None:
        """Seed a commit status (error|failure|pending|success) for the combined status."""
        if state not in {"error", "failure", "pending", "success"}:
            raise ValueError(state)
        with self.lock:
            r = self.repo(repo)
            r.statuses.append(
                {
                    "id": self.next_id(),
                    "sha": sha,
                    "context": context,
                    "state": state,
                    "description": description,
                    "target_url": None,
                    "created_at": utc_iso(),
                    "updated_at": utc_iso(),
                }
            )

    def add_delivery(
        self,
        *,
        event: str = "pull_request",
        action: str | None = "opened",
        status_code: int = 200,
        guid: str | None = None,
        delivered_at: str | None = None,
        installation_id: int | None = None,
        repository_id: int | None = None,
        redelivery: bool = False,
        payload: Any = None,
    ) -> dict[str, Any]:
        """Seed a webhook delivery record of the App (``GET /app/hook/deliveries``)."""
        with self.lock:
            delivery = {
                "id": self.next_id(),
                "guid": guid or _random_guid(),
                "delivered_at": delivered_at or utc_iso(),
                "redelivery": redelivery,
                "duration": 0.1,
                "status": "OK" if 200 <= status_code < 300 else "Invalid HTTP Response",
                "status_code": status_code,
                "event": event,
                "action": action,
                "installation_id": installation_id,
                "repository_id": repository_id,
                "throttled_at": None,
                "payload": payload,
            }
            self._deliveries.append(delivery)
            return copy.deepcopy(delivery)

    # ----------------------------------------------------------------- readers

    def repo(self, full_name: str) -> Repo:
        """The live Repo record (raise KeyError if unknown)."""
        with self.lock:
            return self._repos[full_name]

    def find_repo(self, full_name: str) -> Repo | None:
        with self.lock:
            return self._repos.get(full_name)

    def pull(self, repo: Repo | str, number: int) -> Pull:
        with self.lock:
            r = self.repo(repo) if isinstance(repo, str) else repo
            return r.pulls[number]

    def installation(self, installation_id: int) -> Installation | None:
        with self.lock:
            return self._installations.get(installation_id)

    def installation_for(self, full_name: str) -> Installation | None:
        owner = full_name.split("/", 1)[0]
        with self.lock:
            for inst in self._installations.values():
                if inst.account == owner and (
                    inst.repositories is None or full_name in inst.repositories
                ):
                    return inst
            return None

    def check_runs(self, repo: str, head_sha: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            runs = self.repo(repo).check_runs.values()
            return [copy.deepcopy(c) for c in runs if head_sha in (None, c["head_sha"])]

    def reviews(self, repo: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            reviews = self.repo(repo).reviews.values()
            return [copy.deepcopy(v) for v in reviews if v["pull_number"] == number]

    def review_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            comments = self.repo(repo).review_comments.values()
            return [copy.deepcopy(c) for c in comments if c["pull_number"] == number]

    def issue_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        with self.lock:
            comments = self.repo(repo).issue_comments.values()
            return [copy.deepcopy(c) for c in comments if c["issue_number"] == number]

    def labels(self, repo: str, number: int) -> list[str]:
        with self.lock:
            return list(self.pull(repo, number).labels)

    def requested_reviewers(self, repo: str, number: int) -> list[str]:
        with self.lock:
            return list(self.pull(repo, number).requested_reviewers)

    def deliveries(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self._deliveries)

    def tokens(self) -> list[Token]:
        """Every installation token minted so far (oldest first)."""
        with self.lock:
            return [copy.copy(t) for t in self._tokens.values()]

    def patch_map(self, repo: str, number: int, path: str) -> PatchMap:
        """Parsed patch of ``path`` in the PR (to pick valid comment lines in tests)."""
        with self.lock:
            for f in self.pull(repo, number).files:
                if f["filename"] == path:
                    return parse_patch(f.get("patch"))
            raise KeyError(path)

    # ----------------------------------------------------------------- tokens

    def expire_all_tokens(self) -> None:
        """Make every installation token minted so far expired (GitHub answers 401)."""
        with self.lock:
            past = time.time() - 1
            for tok in self._tokens.values():
                tok.expires_at = min(tok.expires_at, past)

    def mint_token(
        self, inst: Installation, permissions: dict[str, str], repositories: set[str] | None
    ) -> Token:
        with self.lock:
            tok = Token(
                token="ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36],
                installation_id=inst.id,
                expires_at=time.time() + self.token_lifetime,
                permissions=permissions,
                repositories=repositories,
            )
            self._tokens[tok.token] = tok
            return tok

    def token(self, value: str) -> Token | None:
        with self.lock:
            return self._tokens.get(value)

    def revoke_token(self, value: str) -> None:
        with self.lock:
            self._tokens.pop(value, None)

    # ----------------------------------------------------------------- hooks, faults

    def after_request(self, method: str, path_contains: str, action: Callable[[], None]) -> None:
        """Run ``action`` once, right after the next matching request was answered (e.g. a
        push that lands between two reads of a review)."""
        with self.lock:
            self._hooks.append((method.upper(), path_contains, action))

    def run_hooks(self, method: str, path: str) -> None:
        with self.lock:
            due = [h for h in self._hooks if h[0] == method and h[1] in path]
            self._hooks = [h for h in self._hooks if h not in due]
        for _, _, action in due:
            action()

    def comparison(self, r: Repo, base: str, head: str) -> tuple[list[dict[str, Any]], list[str]]:
        """Files and commit shas (oldest first) of ``base...head``: a PR's own record when it
        is at exactly these commits, else computed from the snapshots."""
        with self.lock:
            for pull in r.pulls.values():
                if (pull.base_sha, pull.head_sha) == (base, head):
                    return pull.files, list(pull.commits)
            if base not in r.snapshots or head not in r.snapshots:
                raise KeyError(f"no snapshot of {base} or {head}")
            files = [
                self._normalise_file(r, f, {})
                for f in _diff_files(r.snapshots[base], r.snapshots[head])
            ]
            shas, sha = [], head
            while sha and sha != base and sha in r.commits:
                shas.append(sha)
                sha = (r.commits[sha]["parents"] or [""])[0]
            return files, shas[::-1]

    def fail_next(
        self,
        n: int = 1,
        status: int = 502,
        path_contains: str | None = None,
        *,
        method: str | None = None,
        message: str | None = None,
    ) -> None:
        """The next ``n`` matching requests get ``status`` (default 502) instead."""
        with self.lock:
            self._faults.append(Fault(n, status, "error", path_contains, method, 1, message))

    def rate_limit_next(
        self,
        n: int = 1,
        status: int = 403,
        retry_after: int = 1,
        primary: bool = False,
        path_contains: str | None = None,
        *,
        method: str | None = None,
    ) -> None:
        """The next ``n`` matching requests are rate limited.

        Secondary (default): ``status`` with ``Retry-After: retry_after``. Primary:
        ``status`` with ``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset`` in
        ``retry_after`` seconds.
        """
        kind = "primary" if primary else "secondary"
        with self.lock:
            self._faults.append(Fault(n, status, kind, path_contains, method, retry_after))

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    return copy.copy(fault)
            self._faults = [f for f in self._faults if f.remaining > 0]
            return None

    # ----------------------------------------------------------------- rate limits

    def charge(self, key: str, *, refund: bool = False) -> tuple[int, int, int]:
        """Count one request against ``key``; returns (limit, used, reset)."""
        with self.lock:
            now = time.time()
            bucket = self._rate.get(key)
            if bucket is None or bucket[2] <= now:
                bucket = [float(self.rate_limit), 0.0, float(int(now) + 3600)]
                self._rate[key] = bucket
            if refund:
                bucket[1] = max(0.0, bucket[1] - 1)
            else:
                bucket[1] += 1
            return int(bucket[0]), int(bucket[1]), int(bucket[2])

    # ----------------------------------------------------------------- recording

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every recorded request, oldest first."""
        with self.lock:
            return list(self._requests)

    def record(self, rec: RecordedRequest) -> None:
        with self.lock:
            self._requests.append(rec)

    def calls(
        self,
        method: str | None = None,
        path_contains: str | None = None,
        *,
        status: int | None = None,
    ) -> list[RecordedRequest]:
        """Recorded requests filtered by method, a path substring and/or status."""
        with self.lock:
            return [
                r
                for r in self._requests
                if (method is None or r.method == method.upper())
                and (path_contains is None or path_contains in r.path)
                and (status is None or r.status == status)
            ]

    def reset_requests(self) -> None:
        with self.lock:
            self._requests.clear()

    # ----------------------------------------------------------------- git helpers

    def resolve_ref(self, r: Repo, ref: str) -> str | None:
        """Branch name, ``refs/heads/x``, full sha or unique sha prefix -> commit sha."""
        with self.lock:
            ref = ref.removeprefix("refs/heads/")
            if ref in r.branches:
                return r.branches[ref]
            if ref in r.snapshots or ref in r.commits:
                return ref
            if len(ref) >= 7 and re.fullmatch(r"[0-9a-f]+", ref):
                hits = {s for s in itertools.chain(r.snapshots, r.commits) if s.startswith(ref)}
                if len(hits) == 1:
                    return hits.pop()
            return None

    def is_commit(self, r: Repo, sha: str) -> bool:
        with self.lock:
            return sha in r.commits or sha in r.snapshots

    def ensure_label(self, r: Repo, name: str) -> dict[str, Any]:
        with self.lock:
            for existing, label in r.labels.items():
                if existing.lower() == name.lower():
                    return label
            label = {"id": self.next_id(), "name": name, "color": "ededed", "description": None}
            r.labels[name] = label
            return label

    def all_deliveries(self) -> list[dict[str, Any]]:
        """The live delivery list (callers hold the lock)."""
        return self._deliveries

    def _put(self, r: Repo, sha: str, path: str, content: str | bytes | None) -> None:
        snapshot = r.snapshots.setdefault(sha, {})
        if content is None:
            snapshot.pop(path, None)
            return
        data = to_bytes(content)
        snapshot[path] = data
        r.blobs[git_blob_sha(data)] = data

    def _normalise_file(
        self, r: Repo, spec: Mapping[str, Any], head_snapshot: dict[str, bytes]
    ) -> dict[str, Any]:
        name = spec.get("filename") or spec["path"]
        status = spec.get("status", "modified")
        patch = spec.get("patch")
        counted = parse_patch(patch) if patch else None
        additions = spec.get("additions")
        deletions = spec.get("deletions")
        if counted is not None:
            lines = counted.lines
            if additions is None:
                additions = sum(1 for i in counted.hunk_of if lines[i].startswith("+"))
            if deletions is None:
                deletions = sum(1 for i in counted.hunk_of if lines[i].startswith("-"))
        additions, deletions = int(additions or 0), int(deletions or 0)
        if "content" in spec:
            content = spec["content"]
            if content is None:
                head_snapshot.pop(name, None)
                sha = "0" * 40
            else:
                data = to_bytes(content)
                head_snapshot[name] = data
                sha = git_blob_sha(data)
                r.blobs[sha] = data
        else:
            sha = spec.get("sha") or _random_sha()
        if spec.get("previous_filename"):
            head_snapshot.pop(spec["previous_filename"], None)
        entry = {
            "sha": sha,
            "filename": name,
            "status": status,
            "additions": additions,
            "deletions": deletions,
            "changes": additions + deletions,
            "patch": patch,
        }
        if spec.get("previous_filename"):
            entry["previous_filename"] = spec["previous_filename"]
        return entry

    def _new_commit(
        self, r: Repo, snapshot: dict[str, bytes], *, message: str, parents: list[str]
    ) -> str:
        sha = _random_sha()
        r.snapshots[sha] = snapshot
        r.commits[sha] = self._commit_meta(sha, message, parents)
        return sha

    def _commit_meta(self, sha: str, message: str, parents: list[str]) -> dict[str, Any]:
        return {
            "sha": sha,
            "message": message,
            "parents": parents,
            "author": None,
            "date": utc_iso(),
        }

    def _next_issue_number(self, r: Repo) -> int:
        return max(r.pulls, default=0) + 1


def _diff_files(base: Mapping[str, bytes], head: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """PR file entries (with ``content``) for every path that differs, sorted by path."""
    files = []
    for path in sorted(set(base) | set(head)):
        before, after = base.get(path), head.get(path)
        if before == after:
            continue
        patch, adds, dels = make_patch(before, after)
        status = "added" if before is None else "removed" if after is None else "modified"
        entry = {"filename": path, "status": status, "patch": patch, "content": after}
        files.append({**entry, "additions": adds, "deletions": dels})
    return files


def _random_sha() -> str:
    return secrets.token_hex(20)


def _random_guid() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
