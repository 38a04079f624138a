"""The auditors' pages under ``/audit``: the outcome report with charts, the list of
decisions, and a PR's evidence pack. Read-only, server-rendered, no JavaScript.

Mounted only when ``REVIEWER_AUDIT_TOKEN`` is set. Every page needs a session (see
``session.py``); without one the sign-in form is answered with ``401``.
"""

from __future__ import annotations

import hmac
from datetime import UTC, date, datetime, time
from time import monotonic
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

import structlog
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from reviewer.audit.log import AuditLog
from reviewer.report import decisions
from reviewer.report.charts import all_charts
from reviewer.report.evidence import evidence_pack
from reviewer.report.outcomes import outcome_report
from reviewer.web.session import (
    SESSION_COOKIE,
    SIGNIN_COOKIE,
    SIGNIN_FORM_SECONDS,
    Session,
    SessionRefused,
    Sessions,
    same_origin,
)
from reviewer.web.templating import evidence_html, render

log = structlog.get_logger("reviewer.web")
MAX_FORM_BYTES = 4096
Name = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,100}$")]
REPORT_CACHE = 8
REPORT_MAX_AGE_SECONDS = 300.0


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class AuditPages:
    def __init__(self, audit: AuditLog, token: str, session_seconds: int) -> None:
        self.audit = audit
        self.sessions = Sessions(token, session_seconds)
        self._reports: dict[tuple[Any, ...], tuple[Any, float, Any, list[str]]] = {}

    # -- sign-in --------------------------------------------------------------------

    def signin_page(self, request: Request, message: str | None, status: int) -> HTMLResponse:
        cookie, nonce = self.sessions.new_form()
        response = _html(
            render("signin.html", message=message, form_nonce=nonce, signed_in=False), status
        )
        self._set_cookie(request, response, SIGNIN_COOKIE, cookie, SIGNIN_FORM_SECONDS)
        return response

    def _set_cookie(
        self, request: Request, response: Response, name: str, value: str, max_age: int
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/audit",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    def session(self, request: Request) -> Session:
        return self.sessions.read(request.cookies.get(SESSION_COOKIE))

    async def form(self, request: Request) -> dict[str, str] | None:
        """The posted urlencoded form, or None when it is too large or cross-site."""
        if not same_origin(
            request.headers.get("origin"), request.headers.get("host"), request.url.scheme
        ):
            return None
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return None
        parsed = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
        return {key: values[0] for key, values in parsed.items()}

    async def sign_in(self, request: Request) -> Response:
        form = await self.form(request)
        if form is None or not self.sessions.form_matches(
            request.cookies.get(SIGNIN_COOKIE), form.get("form_nonce", "")
        ):
            log.warning("audit.signin_refused", reason="form")
            return self.signin_page(
                request, "The sign-in form expired or came from elsewhere. Try again.", 403
            )
        if not self.sessions.token_matches(form.get("token", "")):
            log.warning("audit.signin_refused", reason="token")
            return self.signin_page(request, "That is not the audit token.", 401)
        cookie, _ = self.sessions.new_session()
        response = RedirectResponse("/audit", status_code=303)
        self._set_cookie(request, response, SESSION_COOKIE, cookie, self.sessions.max_age)
        response.delete_cookie(SIGNIN_COOKIE, path="/audit")
        log.info("audit.signed_in")
        return response

    async def sign_out(self, request: Request) -> Response:
        form = await self.form(request)
        try:
            session = self.session(request)
        except SessionRefused as refused:
            return self.signin_page(request, str(refused), 401)
        if form is None or not hmac.compare_digest(
            form.get("csrf", "").encode(), session.csrf.encode()
        ):
            return self.signin_page(request, "Sign-out refused: the form is not ours.", 403)
        response = RedirectResponse("/audit/sign-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/audit")
        return response

    # -- pages ----------------------------------------------------------------------

    def report(
        self, repo: str | None, since: date | None, until: date | None
    ) -> tuple[Any, list[str]]:
        """The report for these filters. Computing it reads (and verifies) the whole log, so
        a result is reused until the chain grows and it is ``REPORT_MAX_AGE_SECONDS`` old; the page
        shows the time it is "as of"."""
        key = (repo, since, until)
        head = self.audit.head()
        cached = self._reports.get(key)
        if cached is None or (
            cached[0] != head and monotonic() - cached[1] > REPORT_MAX_AGE_SECONDS
        ):
            start = datetime.combine(since, time(), UTC) if since else None
            end = datetime.combine(until, time(), UTC) if until else None
            report = outcome_report(self.audit, repo=repo, since=start, until=end)
            if len(self._reports) >= REPORT_CACHE and key not in self._reports:
                self._reports.pop(next(iter(self._reports)))
            cached = (head, monotonic(), report, all_charts(report.overall))
            self._reports[key] = cached
        return cached[2], cached[3]


def audit_pages_router(audit: AuditLog, token: str, session_seconds: int) -> APIRouter:
    pages = AuditPages(audit, token, session_seconds)
    router = APIRouter(prefix="/audit", include_in_schema=False)

    def guarded(request: Request) -> Session | HTMLResponse:
        try:
            return pages.session(request)
        except SessionRefused as refused:
            return pages.signin_page(request, str(refused), 401)

    @router.get("/sign-in")
    def sign_in_form(request: Request) -> Response:
        return pages.signin_page(request, None, 200)

    @router.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        return await pages.sign_in(request)

    @router.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        return await pages.sign_out(request)

    @router.get("")
    def report(
        request: Request,
        repo: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Response:
        session = guarded(request)
        if isinstance(session, Response):
            return session
        repo = (repo or "").strip()[:200] or None
        data, charts = pages.report(repo, _day(since), _day(until))
        filters = {"repo": repo, "since": _day(since), "until": _day(until)}
        return _html(
            render(
                "report.html",
                report=data,
                charts=charts,
                filters=filters,
                signed_in=True,
                csrf=session.csrf,
            )
        )

    @router.get("/decisions")
    def decision_list(
        request: Request,
        before: Annotated[int | None, Query(ge=1)] = None,
        after: Annotated[int | None, Query(ge=0)] = None,
    ) -> Response:
        session = guarded(request)
        if isinstance(session, Response):
            return session
        raw = {k: v for k, v in request.query_params.items() if v and k not in ("before", "after")}
        try:
            filters = decisions.DecisionFilters.model_validate(raw)
            error = None
        except ValidationError as exc:
            filters = decisions.DecisionFilters()
            error = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        synced = decisions.sync(audit.engine, limit=decisions.REQUEST_SYNC_LIMIT)
        found = decisions.page(audit.engine, filters, before=before, after=after)
        found.behind = synced.behind
        query = {k: v for k, v in filters.model_dump(mode="json").items() if v is not None}
        return _html(
            render(
                "decisions.html",
                page=found,
                filters=filters,
                error=error,
                older=urlencode({**query, "before": found.older}) if found.older else None,
                newer=urlencode({**query, "after": found.newer}) if found.newer else None,
                signed_in=True,
                csrf=session.csrf,
            ),
            400 if error else 200,
        )

    @router.get("/pr/{owner}/{name}/{number:int}.{fmt}")
    def evidence_download(
        request: Request,
        owner: Name,
        name: Name,
        number: int,
        fmt: Annotated[str, Path(pattern=r"^(json|html)$")],
    ) -> Response:
        """The pack as a file to keep: JSON, or a standalone HTML page."""
        session = guarded(request)
        if isinstance(session, Response):
            return session
        pack = evidence_pack(audit, f"{owner}/{name}", number)
        saved = {"Content-Disposition": f'attachment; filename="evidence-{name}-{number}.{fmt}"'}
        if fmt == "json":
            return JSONResponse(pack.model_dump(mode="json"), headers=saved)
        return HTMLResponse(evidence_html(pack, standalone=True), headers=saved)

    @router.get("/pr/{owner}/{name}/{number:int}")
    def evidence(request: Request, owner: Name, name: Name, number: int) -> Response:
        session = guarded(request)
        if isinstance(session, Response):
            return session
        pack = evidence_pack(audit, f"{owner}/{name}", number)
        base = f"/audit/pr/{owner}/{name}/{number}"
        return _html(evidence_html(pack, base=base, signed_in=True, csrf=session.csrf))

    return router
