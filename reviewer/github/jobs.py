"""Job handlers for GitHub: review a PR head, and the ``/reviewer`` comment commands.

Runs in the worker: GitHub calls are blocking (PyGithub), so they run in a thread; the
handler checks for supersession between stages and ends its own check run ``cancelled``
when a newer head took over, writing nothing else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import structlog

from reviewer import feedback
from reviewer.audit.anchor import witness_line
from reviewer.audit.log import AuditLog
from reviewer.authorship import author_signals
from reviewer.github.approvals import Approvals
from reviewer.github.auth import AppCredentials, InstallationTokens
from reviewer.github.client import GitHubClient, GitHubError, GitHubRateLimited
from reviewer.github.context import (
    HeadMoved,
    build_github_context,
    checks_summary,
    own_runs,
)
from reviewer.github.priming import Comparison
from reviewer.github.shared_head import disagreeing, held_for_shared_head, shared_head_reason
from reviewer.github.snapshot import Snapshot, read_snapshot
from reviewer.held import carried, carry
from reviewer.llm import configured_model
from reviewer.outcomes import last_decision, record_opened
from reviewer.pipeline import record, review
from reviewer.publish import (
    Posted,
    cancel_check,
    fail_check,
    fail_unread,
    publish,
    start_check,
    superseded_title,
)
from reviewer.queue.base import JobView
from reviewer.worker import JobControl, PermanentJobError, Superseded

if TYPE_CHECKING:
    from reviewer.runtime import Runtime

T = TypeVar("T")
log = structlog.get_logger("reviewer.github")


async def _io(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(func, *args, **kwargs)


class GitHubJobs:
    """Holds what every GitHub job needs: credentials, the audit log, our bot's login."""

    def __init__(self, runtime: Runtime, creds: AppCredentials) -> None:
        self.runtime = runtime
        self.creds = creds
        slug = runtime.settings.github_app_slug
        self.bot_login = f"{slug}[bot]" if slug else None
        # One router per process: its circuit breakers outlive a single review.
        self.model = configured_model(runtime.settings)

    def client(self, job: JobView) -> GitHubClient:
        if job.installation_id is None:
            raise PermanentJobError("the delivery carried no installation id")
        return GitHubClient(
            InstallationTokens.shared(self.creds, job.installation_id),
            seconds_between_writes=self.runtime.settings.github_seconds_between_writes or None,
            backoff_base=self.runtime.settings.github_backoff_base_seconds,
        )

    async def snapshot(
        self, client: GitHubClient, job: JobView, comparison: Comparison | None = None
    ) -> Snapshot:
        """The PR read in one query. When GitHub cannot answer all of it (an ``errors``
        answer, a null the gate needs), the head's check asks for a human, then the job
        fails (and is retried): an unread PR is never approved."""
        _, summary_id = await _io(
            feedback.posted_before, self.runtime.engine, job.repo, job.pr, job.head_sha or ""
        )
        try:
            snap = await _io(
                read_snapshot,
                client,
                job.repo,
                job.pr,
                bot_login=self.bot_login,
                find_summary=summary_id is None,
                comparison=comparison,
            )
        except GitHubError as exc:
            if job.head_sha and not isinstance(exc, GitHubRateLimited):
                try:
                    await _io(fail_unread, client, job.repo, job.head_sha, str(exc))
                except GitHubError as inner:
                    log.warning("review.fail_check_failed", error=str(inner))
            raise
        return snap if summary_id is None else replace(snap, summary_id=summary_id)

    async def review_job(self, job: JobView, control: JobControl) -> None:
        client = self.client(job)
        snap = await self.snapshot(client, job, await _io(early_comparison, client, job))
        pr = snap.pr
        if job.head_sha and pr["head"]["sha"] != job.head_sha:
            raise Superseded(pr["head"]["sha"])
        if pr.get("state") != "open" or pr.get("draft"):
            log.info("review.skipped", state=pr.get("state"), draft=pr.get("draft"))
            return
        await self.review_pr(
            client,
            job,
            control,
            snap,
            human_requested=human_override(self.runtime.audit, job.repo, job.pr),
        )

    async def rerun_job(self, job: JobView, control: JobControl) -> None:
        """ "Re-run" on a head whose PR the event did not name: review each open PR at it."""
        client = self.client(job)
        numbers = await _io(client.open_pulls_at, job.repo, job.head_sha)
        if not numbers:
            log.info("rerun.no_open_pull")
        for number in numbers:
            await self.review_job(job.model_copy(update={"pr": number}), control)

    async def review_pr(
        self,
        client: GitHubClient,
        job: JobView,
        control: JobControl,
        snap: Snapshot,
        *,
        human_requested: bool,
    ) -> None:
        pr = snap.pr
        head = pr["head"]["sha"]
        control.checkpoint()
        if job.attempts > 1 and decided_since(self.runtime.audit, job, head):
            log.info("review.already_recorded")  # an earlier attempt finished, then died
            return
        # One check run per head: a re-review (a redelivery, a re-run, a push without new
        # commits, a retry) updates ours instead of opening a second one.
        ours = own_runs(client, snap.check_runs)
        run_id: int = (
            int(ours[-1]["id"]) if ours else await _io(start_check, client, job.repo, head)
        )
        try:
            try:
                ctx = await _io(
                    build_github_context,
                    client,
                    job.repo,
                    job.pr,
                    snap,
                    installation_id=job.installation_id,
                    human_requested=human_requested,
                )
            except HeadMoved as moved:
                raise Superseded(moved.sha) from moved
            ctx = ctx.model_copy(
                update={
                    "changes_requested": tuple(
                        await _io(lambda: Approvals(client, job.repo, pr, snap.reviews).blockers())
                    ),
                    "pushed_by": pusher(job),
                    "carried_findings": carry(
                        ctx, await _io(carried, self.runtime.audit, job.repo, job.pr)
                    ),
                }
            )
            checks = await _io(checks_summary, client, snap, run_id)
            for orphan in checks.pop("orphaned"):
                await _io(
                    cancel_check,
                    client,
                    job.repo,
                    orphan,
                    "Retried",
                    "Its worker stopped; a new attempt took over this review.",
                )
            control.checkpoint()
            result = await review(
                ctx,
                model=self.model,
                github_requests=client.requests_made,
                max_findings=self.runtime.settings.max_findings_per_review,
                ceiling=self.runtime.settings.limits_ceiling(),
            )
            control.checkpoint()
            if result.decision.check_conclusion == "success":
                others = await _io(disagreeing, client, self.runtime.audit, job.repo, job.pr, head)
                if others:
                    result = held_for_shared_head(result, shared_head_reason(head, others))
            published = await _io(
                publish,
                client,
                ctx,
                result.decision,
                result.reports,
                run_id,
                self.bot_login,
                await _io(feedback.demoted_rules, self.runtime.engine),
                job.attempts > 1,
                witness_line(*await _io(self.runtime.audit.head)),
                self._posted(snap, job.repo, job.pr, head),
            )
        except Superseded as exc:
            await _io(
                cancel_check,
                client,
                job.repo,
                run_id,
                superseded_title(exc.sha),
                "A newer commit is being reviewed instead.",
            )
            raise
        except Exception as exc:
            await self._fail(client, job, control, run_id, exc)
            raise
        await _io(
            feedback.publish_and_record,
            self.runtime.engine,
            client,
            repo=job.repo,
            pr=job.pr,
            head_sha=head,
            installation_id=job.installation_id,
            findings=result.decision.findings,
            reports=result.reports,
            published=published,
        )
        result.usage.github_requests = client.requests_made
        await _io(
            record_opened,
            self.runtime.audit,
            job.repo,
            job.pr,
            head_sha=head,
            created_at=pr.get("created_at"),
            author=ctx.author.login,
            signals=author_signals(ctx.author.login, ctx.commits, ctx.policy.ai_authors),
            installation_id=job.installation_id,
        )
        entry = await _io(record, self.runtime.audit, ctx, result, checks)
        log.info(
            "review.published",
            verdict=result.verdict,
            audit_seq=entry.seq,
            github_requests=client.requests_made,
        )

    def _posted(self, snap: Snapshot, repo: str, pr: int, head: str) -> Posted:
        fingerprints, _ = feedback.posted_before(self.runtime.engine, repo, pr, head)
        decision = last_decision(self.runtime.audit, repo, pr, head)
        approved = decision is not None and decision.payload.get("verdict") == "approve"
        return Posted(frozenset(fingerprints), approved, snap.summary_id, snap.summary_absent)

    @staticmethod
    async def _fail(
        client: GitHubClient, job: JobView, control: JobControl, run_id: int, exc: Exception
    ) -> None:
        """Conclude this attempt's check as needing a human; the retry starts a new one."""
        note = "" if control.final_attempt else " (will retry)"
        try:
            await _io(fail_check, client, job.repo, run_id, f"{exc}{note}")
        except GitHubError as inner:
            log.warning("review.fail_check_failed", error=str(inner))


def early_comparison(client: GitHubClient, job: JobView) -> Comparison | None:
    """The comparison of the delivery's base and head, read before the PR so that the PR's
    query reads the changed files' blobs along; the context uses it only when the PR is
    still at exactly these commits. None when the delivery did not name both, or GitHub
    could not compare them (the context then compares what the PR names)."""
    base, head = str(job.payload.get("base_sha") or ""), job.head_sha or ""
    if not base or not head:
        return None
    try:
        return Comparison(base, head, client.compare(job.repo, base, head))
    except GitHubRateLimited:
        raise
    except GitHubError as exc:
        log.info("review.early_compare_failed", status=exc.status)
        return None


def pusher(job: JobView) -> str | None:
    """The sender of a ``synchronize`` delivery pushed the head under review."""
    if job.payload.get("action") != "synchronize":
        return None
    return str(job.payload.get("sender") or "") or None


def human_override(audit: AuditLog, repo: str, pr: int) -> bool:
    """Whether a person asked for a human on this PR (lasts across pushes)."""
    return any(
        e.payload.get("action") == "human_requested"
        for e in audit.entries(repo=repo, pr=pr, kind="override")
    )


def _epoch(value: str | None) -> float:
    if not value:
        return 0.0
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def decided_since(audit: AuditLog, job: JobView, head: str) -> bool:
    """A decision for this head was recorded after the job was queued: an earlier attempt
    of this job finished its work and died before marking the job done."""
    return any(
        e.head_sha == head and _epoch(e.at) >= job.created_at - 1
        for e in audit.entries(repo=job.repo, pr=job.pr, kind="decision")
    )
