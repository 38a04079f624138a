"""The GitHub job handlers a worker runs: review jobs and the follow-ups that build on
them. Their own module so that ``jobs`` and ``commands`` each depend downward only."""

from __future__ import annotations

import structlog

from reviewer.errors import ConfigError
from reviewer.github.auth import AppCredentials
from reviewer.github.commands import FollowUps
from reviewer.github.jobs import GitHubJobs
from reviewer.queue.base import JobKind
from reviewer.runtime import Runtime
from reviewer.worker import Handler

log = structlog.get_logger(__name__)


def make_handlers(runtime: Runtime) -> dict[JobKind, Handler]:
    """GitHub handlers, or none when the App is not configured (jobs then wait)."""
    try:
        creds = AppCredentials.from_settings(runtime.settings)
    except ConfigError as exc:
        log.warning("github.not_configured", reason=str(exc))
        return {}
    jobs = GitHubJobs(runtime, creds)
    follow = FollowUps(jobs)
    return {
        JobKind.review: jobs.review_job,
        JobKind.command_review: follow.command_job,
        JobKind.command_human: follow.command_job,
        JobKind.command_explain: follow.command_job,
        JobKind.gate: follow.gate_job,
        JobKind.outcome: follow.outcome_job,
        JobKind.feedback: follow.feedback_job,
        JobKind.command_dismiss: follow.dismiss_job,
        JobKind.rerun: jobs.rerun_job,
    }
