"""The app with the auditors' pages, over a generated history, for page tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewer.app import create_app
from reviewer.audit.api import audit_router
from reviewer.audit.log import AuditLog
from reviewer.queue.sqlite import SqliteJobQueue
from reviewer.settings import load_settings
from reviewer.store.db import open_database
from reviewer.web.pages import audit_pages_router
from tests.history import PlannedPr, plan_history, write_history

TOKEN = "correct-horse-battery-staple-audit-token"


@dataclass
class Site:
    app: object
    audit: AuditLog
    planned: list[PlannedPr]


def build_site(folder: Path, prs: int = 60, session_seconds: int = 3600) -> Site:
    url = f"sqlite:///{folder / 'reviewer.db'}"
    engine = open_database(url)
    audit = AuditLog(engine)
    planned = plan_history(seed=5, prs=prs, weeks=4)
    write_history(audit, planned)
    settings = load_settings(webhook_secret="s", database_url=url, audit_token=TOKEN)
    app = create_app(
        settings,
        SqliteJobQueue(engine),
        routers=[audit_router(audit, TOKEN), audit_pages_router(audit, TOKEN, session_seconds)],
    )
    return Site(app=app, audit=audit, planned=planned)
