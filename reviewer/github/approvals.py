"""Whose review counts for the merge gate, read from GitHub.

A qualified human (ARCHITECTURE.md) has write access, is not a bot, and did not write the
change: not the PR's author, not an author or committer of any of its commits, not the
person who pushed its head. Where CODEOWNERS (from the base branch) owns a changed path,
old name or new, one of that path's own owners must approve it: every owned path needs
its own owner. A team owner is resolved through the team membership API when the App has
the ``members`` permission; without it (GitHub answers 403) the team cannot be resolved
and any qualified human counts for that path, as do paths owned only by e-mail
addresses — the repo's "require review from Code Owners" rule enforces those.
A writer's latest review at head that requests changes blocks, whatever else approved;
a dismissed review counts for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reviewer.codeowners import owners_by_path
from reviewer.github.client import GitHubClient

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})
_COUNTED_STATES = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")


def is_bot(user: dict[str, Any]) -> bool:
    return user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]")


def latest_reviews(reviews: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each human's latest approving, blocking or dismissed review (comments do not
    change a standing review, as on GitHub), keyed by lower-cased login."""
    latest: dict[str, dict[str, Any]] = {}
    for review in reviews:
        user = review.get("user") or {}
        login = str(user.get("login") or "").lower()
        if login and not is_bot(user) and review.get("state") in _COUNTED_STATES:
            latest[login] = review
    return latest


def contributors(commits: list[dict[str, Any]]) -> set[str]:
    """Lower-cased logins of every author and committer of the PR's commits."""
    found: set[str] = set()
    for commit in commits:
        for role in ("author", "committer"):
            login = (commit.get(role) or {}).get("login")
            if login:
                found.add(str(login).lower())
    return found


def reviews_at_head(reviews: list[dict[str, Any]], head: str, state: str) -> list[str]:
    """Logins whose latest counted review is ``state`` on ``head``."""
    return [
        login
        for login, review in latest_reviews(reviews).items()
        if review.get("state") == state and review.get("commit_id") == head
    ]


def approvers_at_head(
    reviews: list[dict[str, Any]], head: str, excluded: Iterable[str]
) -> list[str]:
    """Approvers of ``head`` who did not write the change (write access not yet checked)."""
    skip = {login.lower() for login in excluded}
    return [login for login in reviews_at_head(reviews, head, "APPROVED") if login not in skip]


@dataclass
class Standing:
    """What the humans' reviews at head say: who blocks, who approved, what is missing."""

    blocked_by: list[str] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)
    unowned: list[str] = field(default_factory=list)  # owned paths no owner approved

    @property
    def approved(self) -> bool:
        return not self.blocked_by and bool(self.approvers) and not self.unowned


class Approvals:
    """Reads reviews, permissions and team memberships for one PR, each at most once."""

    def __init__(
        self,
        client: GitHubClient,
        repo: str,
        pr: dict[str, Any],
        reviews: list[dict[str, Any]] | None = None,
    ) -> None:
        self.client, self.repo, self.pr = client, repo, pr
        self.reviews = reviews if reviews is not None else client.pull_reviews(repo, pr["number"])
        self._permissions: dict[str, str] = {}
        self._teams: dict[tuple[str, str], bool | None] = {}

    def writer(self, login: str) -> bool:
        if login not in self._permissions:
            self._permissions[login] = self.client.permission(self.repo, login)
        return self._permissions[login] in WRITE_PERMISSIONS

    def blockers(self) -> list[str]:
        """Writers whose latest review at head requests changes."""
        head = self.pr["head"]["sha"]
        return [
            login
            for login in reviews_at_head(self.reviews, head, "CHANGES_REQUESTED")
            if self.writer(login)
        ]

    def standing(
        self, codeowners: str | None, paths: list[str], excluded: Iterable[str]
    ) -> Standing:
        head = self.pr["head"]["sha"]
        result = Standing(blocked_by=self.blockers())
        candidates = approvers_at_head(self.reviews, head, excluded)
        result.approvers = [login for login in candidates if self.writer(login)]
        for path, owners in owners_by_path(codeowners, paths).items():
            if owners and not self._owner_approved(owners, result.approvers):
                result.unowned.append(path)
        return result

    def _owner_approved(self, owners: tuple[str, ...], approvers: list[str]) -> bool:
        """Whether an approver is one of ``owners``; only when no owner can be resolved
        (e-mail addresses, teams without the ``members`` permission) does any
        qualified approver count."""
        resolved_any = False
        for owner in owners:
            name = owner.lstrip("@").lower()
            if "@" in name:
                continue
            if "/" not in name:
                resolved_any = True
                if name in approvers:
                    return True
                continue
            members = [self._in_team(name, login) for login in approvers]
            if any(members):
                return True
            resolved_any = resolved_any or None not in members
        return not resolved_any and bool(approvers)

    def _in_team(self, team: str, login: str) -> bool | None:
        key = (team, login)
        if key not in self._teams:
            org, slug = team.split("/", 1)
            self._teams[key] = self.client.team_member(org, slug, login)
        return self._teams[key]
