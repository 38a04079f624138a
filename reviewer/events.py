"""Typed views of the webhook payload fields we use.

Only the fields routing and jobs need are modelled, and unknown fields are ignored, so a
payload GitHub grows tomorrow still parses. Fields GitHub documents as nullable (a PR body,
the head repo of a deleted fork, a ghost user) are optional here: a real delivery must never
fail validation because of them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class User(_Model):
    login: str
    id: int | None = None
    type: str = "User"


class Repository(_Model):
    full_name: str
    default_branch: str | None = None
    owner: User | None = None


class Installation(_Model):
    id: int


class Label(_Model):
    name: str


class RepoRef(_Model):
    """The repo of a PR head or base; ``full_name`` tells a fork from the base repo."""

    full_name: str | None = None


class Branch(_Model):
    """``pull_request.head`` / ``.base``; ``repo`` is null when a fork was deleted."""

    sha: str
    ref: str
    repo: RepoRef | None = None


class PullRequest(_Model):
    number: int
    state: str
    draft: bool = False
    title: str = ""
    body: str | None = None
    user: User | None = None
    author_association: str = "NONE"
    head: Branch
    base: Branch
    labels: list[Label] = Field(default_factory=list)
    merged: bool | None = None
    merge_commit_sha: str | None = None
    merged_by: User | None = None
    merged_at: str | None = None
    html_url: str | None = None


class Change(_Model):
    """One entry of ``changes`` on an ``edited`` event: the value before the edit."""

    from_: str | None = Field(default=None, alias="from")


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

    url: str | None = None


class Issue(_Model):
    number: int
    pull_request: IssuePullRequestMarker | None = None


class Comment(_Model):
    id: int
    body: str = ""
    user: User | None = None
    author_association: str = "NONE"


class App(_Model):
    id: int | None = None
    slug: str | None = None


class CheckRunPullRequest(_Model):
    number: int


class CheckRun(_Model):
    id: int | None = None
    head_sha: str
    pull_requests: list[CheckRunPullRequest] = Field(default_factory=list)
    app: App | None = None


class Event(_Model):
    """Fields every delivery may carry; also the model for events we do not route."""

    action: str | None = None
    repository: Repository | None = None
    installation: Installation | None = None
    sender: User | None = None


class PullRequestEvent(Event):
    pull_request: PullRequest
    changes: Changes | None = None
    label: Label | None = None


class Review(_Model):
    id: int | None = None
    state: str = ""
    commit_id: str | None = None
    user: User | None = None


class PullRequestReviewEvent(Event):
    pull_request: PullRequest
    review: Review


class IssueCommentEvent(Event):
    issue: Issue
    comment: Comment


class CheckRunEvent(Event):
    check_run: CheckRun


class ReviewThread(_Model):
    node_id: str | None = None
    comments: list[Comment] = Field(default_factory=list)


class PullRequestReviewThreadEvent(Event):
    pull_request: PullRequest
    thread: ReviewThread


EVENT_MODELS: dict[str, type[Event]] = {
    "pull_request": PullRequestEvent,
    "issue_comment": IssueCommentEvent,
    "check_run": CheckRunEvent,
    "pull_request_review": PullRequestReviewEvent,
    "pull_request_review_thread": PullRequestReviewThreadEvent,
}
"""``X-GitHub-Event`` -> model; any other event parses as the generic :class:`Event`."""


def model_for(event: str) -> type[Event]:
    return EVENT_MODELS.get(event, Event)
