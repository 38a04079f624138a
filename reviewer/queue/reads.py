"""The read side of the queue, the same on both backends: operators' listings, one job,
and the depth figures metrics and health checks report. Reads never take a write lock."""

from __future__ import annotations

from sqlalchemy import Engine, func, select, text

from reviewer.queue.base import JobState, JobView
from reviewer.queue.fair import NO_INSTALLATION
from reviewer.queue.rows import job_view
from reviewer.store.db import reading
from reviewer.store.models import Job


class QueueReads:
    engine: Engine

    def list_jobs(self, state: JobState | None = None, limit: int = 50) -> list[JobView]:
        query = select(Job.__table__).order_by(Job.id.desc()).limit(limit)
        if state is not None:
            query = query.where(Job.state == state.value)
        with reading(self.engine) as conn:
            return [job_view(row) for row in conn.execute(query)]

    def get(self, job_id: int) -> JobView | None:
        with reading(self.engine) as conn:
            row = conn.execute(select(Job.__table__).where(Job.id == job_id)).first()
        return job_view(row) if row is not None else None

    def depth_by_installation(self) -> dict[int, dict[str, int]]:
        inst = func.coalesce(Job.installation_id, NO_INSTALLATION)
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(inst, Job.state, func.count())
                .where(Job.state.in_((JobState.queued.value, JobState.running.value)))
                .group_by(inst, Job.state)
            ).all()
        out: dict[int, dict[str, int]] = {}
        for installation, state, count in rows:
            out.setdefault(installation, {"queued": 0, "running": 0})[state] = count
        return out

    def depth(self) -> dict[str, int]:
        with reading(self.engine) as conn:
            rows = conn.execute(select(Job.state, func.count()).group_by(Job.state))
            counts = {state.value: 0 for state in JobState}
            counts.update({state: count for state, count in rows})
        return counts

    def ping(self) -> None:
        with reading(self.engine) as conn:
            conn.execute(text("SELECT 1"))
