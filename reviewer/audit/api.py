"""Read-only HTTP API over the audit log for auditors' tools.

Mounted only when ``REVIEWER_AUDIT_TOKEN`` is set; every call needs
``Authorization: Bearer <token>``. Pagination is by cursor (the last ``seq`` returned), so
pages stay stable while new entries are appended.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from reviewer.audit.log import AuditEntry, AuditLog
from reviewer.audit.verify import VerifyResult, verify
from reviewer.bearer import require_bearer

MAX_PAGE = 500


class EntryPage(BaseModel):
    entries: list[AuditEntry]
    next_cursor: int | None = None


def audit_router(audit: AuditLog, token: str) -> APIRouter:
    # Cache-Control and the other audit headers come from ``reviewer.web.http.AuditHeaders``.
    router = APIRouter(
        prefix="/api/audit", tags=["audit"], dependencies=[Depends(require_bearer(token, "audit"))]
    )

    @router.get("/entries", response_model=EntryPage)
    def entries(
        repo: str | None = None,
        pr: int | None = None,
        kind: str | None = None,
        verdict: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cursor: Annotated[int, Query(ge=0, description="last seq of the previous page")] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> EntryPage:
        """Entries in chain order matching every filter given."""
        page = list(
            audit.entries(
                repo=repo,
                pr=pr,
                kind=kind,
                verdict=verdict,
                since=since,
                until=until,
                after_seq=cursor,
                limit=limit + 1,
            )
        )
        more = len(page) > limit
        page = page[:limit]
        return EntryPage(entries=page, next_cursor=page[-1].seq if more and page else None)

    @router.get("/entries/{seq}", response_model=AuditEntry)
    def entry(seq: int) -> AuditEntry:
        found = audit.get(seq)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no audit entry with seq {seq}")
        return found

    @router.get("/verify", response_model=VerifyResult)
    def verify_chain() -> VerifyResult:
        """Recompute the chain and checkpoints (the same check as ``reviewer audit verify``)."""
        return verify(audit)

    return router
