"""The auditors' pages over real HTTP: sign-in and its refusals, headers, the report's
numbers (the same as ``reviewer report outcomes``), the decision list, evidence packs."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from reviewer.report.outcomes import outcome_report
from tests.audit_site import TOKEN, build_site
from tests.fakes import running
from tests.history import expected_figures


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    built = build_site(tmp_path_factory.mktemp("site"))
    with running(built.app) as url:
        built.url = url
        yield built


def sign_in(client: httpx.Client, token: str = TOKEN) -> httpx.Response:
    form = client.get("/audit/sign-in")
    nonce = re.search(r'name="form_nonce" value="([^"]+)"', form.text).group(1)
    return client.post("/audit/sign-in", data={"form_nonce": nonce, "token": token})


@pytest.fixture
def client(site):
    with httpx.Client(base_url=site.url) as c:
        yield c


@pytest.fixture
def signed_in(client):
    assert sign_in(client).status_code == 303
    return client


def test_without_a_session_every_page_is_refused(client):
    for path in (
        "/audit",
        "/audit/decisions",
        "/audit/pr/acme/app/100",
        "/audit/pr/acme/app/100.json",
    ):
        answer = client.get(path)
        assert answer.status_code == 401, path
        assert "Sign in" in answer.text and "data-figure" not in answer.text
        assert answer.headers["cache-control"] == "no-store"


def test_sign_in_sets_a_strict_http_only_expiring_cookie_and_no_token_leaks(client):
    answer = sign_in(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/audit"
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if "reviewer_audit_session=" in c
    )
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "max-age=3600" in lowered
    assert TOKEN not in cookie
    page = client.get("/audit")
    assert page.status_code == 200 and 'data-figure="prs"' in page.text
    assert TOKEN not in page.text and TOKEN not in str(page.url)
    for name, value in {
        "cache-control": "no-store",
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
    }.items():
        assert page.headers[name] == value
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
    assert "<script" not in page.text


def test_wrong_token_forged_cookie_and_cross_site_posts_are_refused(client, site):
    wrong = sign_in(client, "not-the-token")
    assert wrong.status_code == 401 and "not the audit token" in wrong.text
    assert "reviewer_audit_session" not in client.cookies
    client.cookies.set("reviewer_audit_session", "eyJjc3JmIjoieCJ9.forged.sig", path="/audit")
    assert client.get("/audit").status_code == 401
    client.cookies.clear()
    form = client.get("/audit/sign-in")
    nonce = re.search(r'name="form_nonce" value="([^"]+)"', form.text).group(1)
    no_nonce = client.post("/audit/sign-in", data={"token": TOKEN})
    assert no_nonce.status_code == 403
    foreign = client.post(
        "/audit/sign-in",
        data={"form_nonce": nonce, "token": TOKEN},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403 and "reviewer_audit_session" not in client.cookies
    # A session from another browser's sign-in form cannot be started with this one's nonce.
    with httpx.Client(base_url=site.url) as other:
        stolen = other.post("/audit/sign-in", data={"form_nonce": nonce, "token": TOKEN})
        assert stolen.status_code == 403


def test_an_expired_session_is_refused(tmp_path):
    short = build_site(tmp_path, prs=4, session_seconds=1)
    with running(short.app) as url, httpx.Client(base_url=url) as client:
        assert sign_in(client).status_code == 303
        kept = client.cookies["reviewer_audit_session"]
        assert client.get("/audit").status_code == 200
        time.sleep(2.2)  # the browser would drop it (Max-Age); a replayed copy is refused
        expired = httpx.get(f"{url}/audit", cookies={"reviewer_audit_session": kept})
        assert expired.status_code == 401 and "expired" in expired.text


def test_sign_out_needs_the_sessions_csrf_token(signed_in):
    assert signed_in.post("/audit/sign-out", data={"csrf": "guess"}).status_code == 403
    csrf = re.search(r'name="csrf" value="([^"]+)"', signed_in.get("/audit").text).group(1)
    out = signed_in.post("/audit/sign-out", data={"csrf": csrf})
    assert out.status_code == 303
    assert signed_in.get("/audit").status_code == 401


def figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{re.escape(name)}">([^<]*)<', html).group(1)


def test_the_page_shows_the_reports_numbers(signed_in, site):
    report = outcome_report(site.audit)
    page = signed_in.get("/audit").text
    overall = report.overall
    assert figure(page, "prs") == str(overall.prs) == str(len(site.planned))
    for verdict in ("approve", "shadow_approve", "human"):
        assert figure(page, verdict) == str(overall.verdicts[verdict])
    assert figure(page, "merge-median-ai") == f"{overall.speed.to_merge['ai'].median_minutes:,.1f}"
    assert figure(page, "cost") == f"${overall.cost.cost_usd}"
    assert figure(page, "verified-through") == str(report.chain.verified_through)
    assert page.count("<svg") == 3
    truth = expected_figures(site.planned, report.as_of)  # the generator's ground truth
    for verdict, count in truth["verdicts"].items():
        assert figure(page, verdict) == str(count)
    assert figure(page, "cost") == f"${truth['cost_usd'].normalize():f}"
    median = truth["to_merge"]["ai"]["median_minutes"]
    assert figure(page, "merge-median-ai") == f"{median:,.1f}"
    one_repo = signed_in.get("/audit", params={"repo": "acme/api"}).text
    assert figure(one_repo, "prs") == str(sum(p.repo == "acme/api" for p in site.planned))


def rows(html: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'<a href="/audit/pr/([^"]+)">[^<]+</a></td>\s*<td>([a-z_]+)</td><td>([a-z-]+)</td>', html
    )


def test_decision_list_filters_and_pages(signed_in, site):
    approve = rows(signed_in.get("/audit/decisions", params={"verdict": "approve"}).text)
    assert approve and {v for _, v, _ in approve} == {"approve"}
    assert len(approve) == min(50, sum(p.verdict == "approve" for p in site.planned))
    ai = rows(signed_in.get("/audit/decisions", params={"author_type": "ai"}).text)
    assert len(ai) == sum(p.ai for p in site.planned) and {a for *_, a in ai} == {"ai"}
    code = signed_in.get("/audit/decisions", params={"code": "size.too_large"}).text
    assert len(rows(code)) == sum("size.too_large" in p.codes for p in site.planned)
    repo = rows(signed_in.get("/audit/decisions", params={"repo": "acme/app", "pr": 100}).text)
    assert [r[0] for r in repo] == ["acme/app/100"]
    first = signed_in.get("/audit/decisions").text
    older = re.search(r'href="/audit/decisions\?([^"]+)" rel="next"', first).group(1)
    second = signed_in.get(f"/audit/decisions?{older.replace('&amp;', '&')}").text
    seen = rows(first) + rows(second)
    assert len(seen) == len(site.planned) and len(set(seen)) == len(seen)
    assert 'rel="prev"' in second
    bad = signed_in.get("/audit/decisions", params={"verdict": "yes", "since": "2026-09-20"})
    assert bad.status_code == 400 and "verdict" in bad.text


def test_evidence_pack_page_and_downloads(signed_in, site):
    pr = next(p for p in site.planned if p.merged_at)
    base = f"/audit/pr/{pr.repo}/{pr.number}"
    page = signed_in.get(base)
    assert page.status_code == 200 and figure(page.text, "verified") == "Verified"
    assert page.text.index(">opened<") < page.text.index(">decision<") < page.text.index(">merged<")
    data = signed_in.get(base + ".json").json()
    assert data["verified"] and data["entries"][0]["entry"]["kind"] == "opened"
    assert signed_in.get(base + ".html").headers["content-disposition"].startswith("attachment")
    for path in ("/audit/pr/acme/bad name/1", "/audit/no-such-page", base + ".exe"):
        error = signed_in.get(path)
        assert error.status_code in (404, 422) and error.headers["cache-control"] == "no-store"


def test_the_json_api_keeps_its_bearer_token_and_no_store(client):
    refused = client.get("/api/audit/entries")
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"
    ok = client.get("/api/audit/entries", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("backend", ["engine", "postgres_engine"])
def test_the_index_catches_up_in_bounded_steps_and_never_twice(backend, request):
    from reviewer.audit.log import AuditLog
    from reviewer.report import decisions
    from tests.history import plan_history, write_history

    engine = request.getfixturevalue(backend)
    planned = plan_history(seed=9, prs=6, weeks=1)
    write_history(AuditLog(engine), planned)
    first = decisions.sync(engine, limit=5)
    assert first.behind > 0 and first.added <= 5
    rest = decisions.sync(engine, analyze_after=1)  # statistics refreshed on both databases
    assert rest.behind == 0 and first.added + rest.added == len(planned)
    assert decisions.sync(engine).added == 0
    listed = decisions.page(engine, decisions.DecisionFilters())
    assert sorted(r.pr for r in listed.rows) == sorted(p.number for p in planned)
    code = next(c for p in planned for c in p.codes)
    coded = decisions.page(engine, decisions.DecisionFilters(code=code))
    assert {r.pr for r in coded.rows} == {p.number for p in planned if code in p.codes}
