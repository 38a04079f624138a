"""The auditors' HTTP API over real HTTP: bearer auth, filters, cursor pages, verify."""

from __future__ import annotations

import httpx
import pytest

from reviewer.app import create_app
from reviewer.audit.api import audit_router
from reviewer.audit.log import AuditLog
from reviewer.queue.sqlite import SqliteJobQueue
from reviewer.settings import Settings
from tests.fakes import running

TOKEN = "audit-token"


@pytest.fixture
def api(engine):
    audit = AuditLog(engine)
    for pr in range(1, 8):
        audit.append(
            "decision",
            "o/a" if pr % 2 else "o/b",
            {"verdict": "human" if pr < 6 else "approve"},
            pr=pr,
        )
    app = create_app(
        Settings(webhook_secret="s"), SqliteJobQueue(engine), routers=[audit_router(audit, TOKEN)]
    )
    with running(app) as base:
        yield httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"})


def test_token_is_required(api):
    assert api.get("/api/audit/entries", headers={"Authorization": ""}).status_code == 401
    wrong = api.get("/api/audit/entries", headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"


def test_filters_and_cursor_pagination(api):
    first = api.get("/api/audit/entries", params={"repo": "o/a", "limit": 2}).json()
    assert [e["pr"] for e in first["entries"]] == [1, 3] and first["next_cursor"] == 3
    second = api.get(
        "/api/audit/entries", params={"repo": "o/a", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [e["pr"] for e in second["entries"]] == [5, 7] and second["next_cursor"] is None
    approved = api.get("/api/audit/entries", params={"verdict": "approve"}).json()
    assert [e["pr"] for e in approved["entries"]] == [6, 7]
    assert api.get("/api/audit/entries", params={"limit": 501}).status_code == 422


def test_single_entry_and_verify(api):
    entry = api.get("/api/audit/entries/4").json()
    assert entry["seq"] == 4 and len(entry["hash"]) == 64
    assert api.get("/api/audit/entries/99").status_code == 404
    result = api.get("/api/audit/verify").json()
    assert result["ok"] is True and result["entries"] == 7


def test_openapi_describes_the_audit_api(api):
    spec = api.get("/api/openapi.json").json()
    assert {"/api/audit/entries", "/api/audit/entries/{seq}", "/api/audit/verify"} <= set(
        spec["paths"]
    )
