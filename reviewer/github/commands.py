"""Follow-up jobs: ``/reviewer`` commands and the ``reviewer: human`` label, the merge gate
after a human review, and merge outcomes. Every override is an ``override`` audit entry
saying who asked and when."""

from __future__ import annotations

from typing import Any

from reviewer import feedback
from reviewer.github.approvals import WRITE_PERMISSIONS
from reviewer.github.client import GitHubClient
from reviewer.github.gate import reevaluate
from reviewer.github.jobs import GitHubJobs, _io, human_override, log
from reviewer.held import DISMISSED, carried, find_held
from reviewer.outcomes import last_decision, record_merge, record_reviews
from reviewer.queue.base import JobKind, JobView
from reviewer.render import reason_tree
from reviewer.worker import JobControl

EXPLAIN_MARKER = "<!-- reviewer:explain -->"


class FollowUps:
    def __init__(self, jobs: GitHubJobs) -> None:
        self.jobs = jobs
        self.audit = jobs.runtime.audit

    async def command_job(self, job: JobView, control: JobControl) -> None:
        client = self.jobs.client(job)
        who = str(job.payload.get("commenter") or "")
        # Adding a label already needs triage access; comments need a permission check.
        if job.payload.get("via") != "label" and not await self._writer(client, job, who):
            return
        snap = await self.jobs.snapshot(client, job)
        pr = snap.pr
        if pr.get("state") != "open":
            return
        if job.kind is JobKind.command_explain:
            await self._explain(client, job, pr)
            return
        action = "human_requested" if job.kind is JobKind.command_human else "rereview"
        await _io(
            self.audit.append,
            "override",
            job.repo,
            {"action": action, "by": who, "via": job.payload.get("via", "comment")},
            pr=job.pr,
            head_sha=pr["head"]["sha"],
            installation_id=job.installation_id,
        )
        human = job.kind is JobKind.command_human or await _io(
            human_override, self.audit, job.repo, job.pr
        )
        await self.jobs.review_pr(client, job, control, snap, human_requested=human)

    async def _writer(self, client: GitHubClient, job: JobView, who: str) -> bool:
        """Whether ``who`` may command the reviewer; if not, they are told so."""
        if await _io(client.permission, job.repo, who) in WRITE_PERMISSIONS:
            return True
        await _io(
            client.create_comment,
            job.repo,
            job.pr,
            f"Sorry @{who}, only people with write access to this repository "
            "can ask the reviewer to do that. A maintainer can run the command for you.",
        )
        return False

    async def dismiss_job(self, job: JobView, control: JobControl) -> None:
        """``/reviewer dismiss <finding-id>``: a writer lifts a held finding (recorded as an
        ``override`` entry), and the head is reviewed again without it."""
        client = self.jobs.client(job)
        who = str(job.payload.get("commenter") or "")
        if not await self._writer(client, job, who):
            return
        snap = await self.jobs.snapshot(client, job)
        pr = snap.pr
        if pr.get("state") != "open":
            return
        finding_id = str(job.payload.get("finding_id") or "")
        found = find_held(await _io(carried, self.audit, job.repo, job.pr), finding_id)
        if found is None:
            await _io(
                client.create_comment,
                job.repo,
                job.pr,
                f"@{who} no held finding `{finding_id[:64]}` on this pull request: use the "
                "id shown under the reviewer's comment.",
            )
            return
        await _io(
            self.audit.append,
            "override",
            job.repo,
            {"action": DISMISSED, "by": who, "finding": found["fingerprint"]},
            pr=job.pr,
            head_sha=pr["head"]["sha"],
            installation_id=job.installation_id,
        )
        human = await _io(human_override, self.audit, job.repo, job.pr)
        await self.jobs.review_pr(client, job, control, snap, human_requested=human)

    async def _explain(self, client: GitHubClient, job: JobView, pr: dict[str, Any]) -> None:
        head = pr["head"]["sha"]
        decision = await _io(last_decision, self.audit, job.repo, job.pr, head)
        if decision is None:
            text = f"No decision has been recorded for {head[:12]} yet."
        else:
            lines = reason_tree(decision.payload.get("reasons", [])) or ["- every gate passed"]
            text = "\n".join(
                [
                    f"**Why the reviewer decided `{decision.payload.get('verdict')}` for "
                    f"{head[:12]}** (audit entry {decision.seq}):",
                    "",
                    *lines,
                ]
            )
        await _io(client.create_comment, job.repo, job.pr, f"{EXPLAIN_MARKER}\n{text}")

    async def feedback_job(self, job: JobView, control: JobControl) -> None:
        """``/reviewer feedback ...`` (a strong rating) or a resolved thread (a weak one)."""
        engine = self.jobs.runtime.engine
        data = job.payload
        if data.get("signal") == "resolved":
            await _io(
                feedback.thread_resolved,
                engine,
                self.audit,
                repo=job.repo,
                pr=job.pr,
                comment_id=int(data["thread_comment_id"]),
                resolved=bool(data.get("resolved")),
                user=data.get("by"),
                installation_id=job.installation_id,
            )
            return
        client = self.jobs.client(job)
        who = str(data.get("commenter") or "")
        if data.get("error"):
            await _io(client.create_comment, job.repo, job.pr, f"@{who} {data['error']}")
            return
        finding_id = str(data["finding_id"])
        comment = await _io(feedback.find_comment, engine, job.repo, job.pr, finding_id)
        fingerprint = comment["fingerprint"] if comment else None
        if comment is None:  # a finding listed in the summary only
            known = {
                fp
                for entry in self.audit.entries(repo=job.repo, pr=job.pr, kind="decision")
                for fp in entry.payload.get("findings", [])
                if str(fp).startswith(finding_id)
            }
            fingerprint = known.pop() if len(known) == 1 else None
        if fingerprint is None:
            await _io(
                client.create_comment,
                job.repo,
                job.pr,
                f"@{who} no finding `{finding_id[:80]}` on this pull request: use the id "
                "shown under the reviewer's comment.",
            )
            return
        await _io(
            feedback.record_rating,
            engine,
            self.audit,
            source=f"command:{data.get('comment_id')}",
            signal="command",
            rating=str(data["rating"]),
            repo=job.repo,
            pr=job.pr,
            comment=comment,
            fingerprint=fingerprint,
            user=who or None,
            reason=data.get("reason"),
            installation_id=job.installation_id,
        )

    async def gate_job(self, job: JobView, control: JobControl) -> None:
        client = self.jobs.client(job)
        pr = await _io(client.pull, job.repo, job.pr)
        reviews = await _io(client.pull_reviews, job.repo, job.pr)
        await _io(
            record_reviews,
            self.audit,
            job.repo,
            job.pr,
            pr["head"]["sha"],
            reviews,
            job.installation_id,
        )
        if pr["head"]["sha"] != job.head_sha or pr.get("state") != "open":
            log.info("gate.stale", current=pr["head"]["sha"])
            return
        outcome = await _io(
            reevaluate, client, self.audit, job.repo, pr, job.installation_id, reviews
        )
        log.info("gate.reevaluated", outcome=outcome)

    async def outcome_job(self, job: JobView, control: JobControl) -> None:
        entries = await _io(
            record_merge,
            self.audit,
            job.repo,
            job.pr,
            job.head_sha,
            job.payload,
            job.installation_id,
        )
        log.info("outcome.recorded", kinds=[e.kind for e in entries])
