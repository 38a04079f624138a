"""Typed views of the webhook payload fields we use.

Only the fields routing and jobs need are modelled, and unknown fields are ignored, so a
payload GitHub grows tomorrow still parses. Fields GitHub documents as nullable (a PR body,
the head repo of a deleted fork, a ghost user) are optional here: a real delivery must never
fail validation because of them.

Every field is bounded to what GitHub can send and what our columns hold (PostgreSQL
``integer`` is 32-bit, ``bigint`` 64-bit, ``varchar(64)`` for SHAs, ``varchar(200)`` for repo
names; no NUL byte or lone surrogate fits in PostgreSQL text or UTF-8). A signed delivery out
of range is a 400 naming the field, decided before anything is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

Number = Annotated[int, Field(ge=1, le=INT32_MAX)]
"""PR and issue numbers, installation ids: ``integer`` columns."""
Id = Annotated[int, Field(ge=0, le=INT64_MAX)]
"""Comment, user, review and check-run ids: ``bigint`` where stored."""
Sha = Annotated[str, StringConstraints(pattern=r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")]
Login = Annotated[str, StringConstraints(max_length=100)]
RepoName = Annotated[str, StringConstraints(min_length=3, max_length=200)]
Ref = Annotated[str, StringConstraints(max_length=1024)]
Word = Annotated[str, StringConstraints(max_length=64)]
Title = Annotated[str, StringConstraints(max_length=1024)]
Text = Annotated[str, StringConstraints(max_length=262_144)]
Url = Annotated[str, StringConstraints(max_length=2048)]


def check_text(value: str) -> str:
    """Refuse the characters no database text column and no UTF-8 encoder accepts."""
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a lone surrogate (not valid Unicode)") from None
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    @field_validator("*")
    @classmethod
    def _valid_text(cls, value: Any) -> Any:
        return check_text(value) if isinstance(value, str) else value


class User(_Model):
    login: Login
    id: Id | None = None
    type: Word = "User"


class Repository(_Model):
    full_name: RepoName
    default_branch: Ref | None = None
    owner: User | None = None


class Installation(_Model):
    id: Number


class Label(_Model):
    name: Title


class RepoRef(_Model):
    """The repo of a PR head or base; ``full_name`` tells a fork from the base repo."""

    full_name: RepoName | None = None


class Branch(_Model):
    """``pull_request.head`` / ``.base``; ``repo`` is null when a fork was deleted."""

    sha: Sha
    ref: Ref
    repo: RepoRef | None = None


class PullRequest(_Model):
    number: Number
    state: Word
    draft: bool = False
    title: Title = ""
    body: Text | None = None
    user: User | None = None
    author_association: Word = "NONE"
    head: Branch
    base: Branch
    labels: list[Label] = Field(default_factory=list)
    merged: bool | None = None
    merge_commit_sha: Sha | None = None
    merged_by: User | None = None
    merged_at: Word | None = None
    html_url: Url | None = None


class Change(_Model):
    """One entry of ``changes`` on an ``edited`` event: the value before the edit."""

    from_: Text | None = Field(default=None, alias="from")


class BaseChange(_Model):
    """``changes.base`` of an ``edited`` event: the PR was retargeted."""

    ref: Change | None = None
    sha: Change | None = None


class Changes(_Model):
    title: Change | None = None
    body: Change | None = None
    base: BaseChange | None = None


class IssuePullRequestMarker(_Model):
    """Present on an issue that is a pull request; its content does not matter."""

    url: Url | None = None


class Issue(_Model):
    number: Number
    pull_request: IssuePullRequestMarker | None = None


class Comment(_Model):
    id: Id
    body: Text = ""
    user: User | None = None
    author_association: Word = "NONE"


class App(_Model):
    id: Id | None = None
    slug: Login | None = None


class CheckRunPullRequest(_Model):
    number: Number


class CheckRun(_Model):
    id: Id | None = None
    head_sha: Sha
    pull_requests: list[CheckRunPullRequest] = Field(default_factory=list)
    app: App | None = None


class CheckSuite(_Model):
    id: int | None = None
    head_sha: str
    pull_requests: list[CheckRunPullRequest] = Field(default_factory=list)
    app: App | None = None


class Event(_Model):
    """Fields every delivery may carry; also the model for events we do not route."""

    action: Word | None = None
    repository: Repository | None = None
    installation: Installation | None = None
    sender: User | None = None


class PullRequestEvent(Event):
    pull_request: PullRequest
    changes: Changes | None = None
    label: Label | None = None


class Review(_Model):
    id: Id | None = None
    state: Word = ""
    commit_id: Sha | None = None
    user: User | None = None


class PullRequestReviewEvent(Event):
    pull_request: PullRequest
    review: Review


class IssueCommentEvent(Event):
    issue: Issue
    comment: Comment


class CheckRunEvent(Event):
    check_run: CheckRun


class CheckSuiteEvent(Event):
    check_suite: CheckSuite


class ReviewThread(_Model):
    node_id: Url | None = None
    comments: list[Comment] = Field(default_factory=list)


class PullRequestReviewThreadEvent(Event):
    pull_request: PullRequest
    thread: ReviewThread


EVENT_MODELS: dict[str, type[Event]] = {
    "pull_request": PullRequestEvent,
    "issue_comment": IssueCommentEvent,
    "check_run": CheckRunEvent,
    "check_suite": CheckSuiteEvent,
    "pull_request_review": PullRequestReviewEvent,
    "pull_request_review_thread": PullRequestReviewThreadEvent,
}
"""``X-GitHub-Event`` -> model; any other event parses as the generic :class:`Event`."""


def model_for(event: str) -> type[Event]:
    return EVENT_MODELS.get(event, Event)
