"""What runs the reaction poll: one cycle with the figures and demotions that follow it,
a GitHub client per installation, and the background thread of a worker process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import structlog

from reviewer.feedback.poll import PollResult, poll
from reviewer.feedback.report import demote_flagged, report, update_metrics
from reviewer.github.auth import AppCredentials, InstallationTokens
from reviewer.github.client import GitHubClient, GitHubError

if TYPE_CHECKING:
    from reviewer.runtime import Runtime
    from reviewer.settings import Settings

log = structlog.get_logger("reviewer.feedback")


def poll_cycle(
    runtime: Runtime,
    client_for: Callable[[int | None], GitHubClient],
    *,
    bot_login: str | None,
    now: float | None = None,
) -> PollResult:
    """What a scheduler runs: one poll, then the gauges, then (if enabled) demotions."""
    config = runtime.settings
    result = poll(
        runtime.engine,
        runtime.audit,
        client_for,
        bot_login=bot_login,
        now=now,
        reserve=config.feedback_rate_limit_reserve,
        stop_after_close_days=config.feedback_stop_after_close_days,
    )
    rep = report(
        runtime.engine,
        floor=config.feedback_precision_floor,
        min_ratings=config.feedback_min_ratings,
    )
    update_metrics(rep)
    if config.feedback_auto_demote:
        demote_flagged(runtime.engine, runtime.audit, rep)
    return result


def client_factory(
    settings: Settings, creds: AppCredentials
) -> Callable[[int | None], GitHubClient]:
    """A GitHub client per installation, as the poller needs one per PR's installation."""

    def client_for(installation_id: int | None) -> GitHubClient:
        if installation_id is None:
            raise GitHubError("a PR with our comments has no installation id")
        return GitHubClient(
            InstallationTokens.shared(creds, installation_id),
            backoff_base=settings.github_backoff_base_seconds,
        )

    return client_for


def start_poller(
    runtime: Runtime, creds: AppCredentials, stop: threading.Event, every_seconds: float
) -> threading.Thread | None:
    """Poll in the background of a worker process (``REVIEWER_FEEDBACK_POLL_SECONDS``)."""
    if every_seconds <= 0:
        return None
    slug = runtime.settings.github_app_slug
    client_for = client_factory(runtime.settings, creds)

    def loop() -> None:
        while not stop.is_set():
            try:
                poll_cycle(runtime, client_for, bot_login=f"{slug}[bot]" if slug else None)
            except Exception:  # a bad cycle must not stop the next one
                log.exception("feedback.poll_failed")
            stop.wait(every_seconds)

    thread = threading.Thread(target=loop, name="feedback-poller", daemon=True)
    thread.start()
    return thread
