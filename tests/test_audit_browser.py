"""The auditors' page in a real headless Chromium: sign in, read the figures, filter the
decision list, open an evidence pack; a wrong token gets no session. The pages send a CSP
without any script source, so passing here also shows they work without JavaScript."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from reviewer.report.outcomes import outcome_report
from tests.audit_site import TOKEN, build_site
from tests.browser import save_screenshot


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("browser-site"), prs=80)


def type_token(browser, url: str, token: str) -> None:
    browser.get(url + "/audit")
    assert "Sign in" in browser.title
    field = browser.find_element(By.ID, "token")  # reachable by its label
    assert browser.find_element(By.CSS_SELECTOR, "label[for=token]").text == "Audit token"
    field.send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(browser, 10).until(staleness_of(field))  # the answer page has loaded


def test_auditor_signs_in_reads_figures_filters_and_opens_evidence(browser, live_app, site):
    url = live_app(site.app)
    type_token(browser, url, TOKEN)
    assert browser.current_url == url + "/audit"  # no token in any URL
    report = outcome_report(site.audit)
    figure = browser.find_element(By.CSS_SELECTOR, '[data-figure="prs"]')
    assert figure.text == str(report.overall.prs) == str(len(site.planned))
    shadow = browser.find_element(By.CSS_SELECTOR, '[data-figure="shadow_approve"]')
    assert shadow.text == str(report.overall.verdicts["shadow_approve"])
    charts = browser.find_elements(By.CSS_SELECTOR, "figure svg[role=img]")
    assert len(charts) == 3 and all(c.size["height"] > 100 for c in charts)
    assert not browser.execute_script("return document.cookie")  # HttpOnly: no script sees it
    save_screenshot(browser, "audit-report")

    decisions = browser.find_element(By.LINK_TEXT, "Decisions")
    decisions.click()
    WebDriverWait(browser, 10).until(staleness_of(decisions))
    Select(browser.find_element(By.ID, "f-verdict")).select_by_value("shadow_approve")
    browser.find_element(By.ID, "f-author").send_keys("ai")
    old_page = browser.find_element(By.TAG_NAME, "main")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    WebDriverWait(browser, 10).until(staleness_of(old_page))
    assert (
        "verdict=shadow_approve" in browser.current_url and "author_type=ai" in browser.current_url
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    expected = [p for p in site.planned if p.verdict == "shadow_approve" and p.ai]
    assert len(rows) == len(expected) > 0
    assert all("shadow_approve" in r.text and " ai " in f" {r.text} " for r in rows)
    save_screenshot(browser, "audit-decisions")

    rows[0].find_element(By.TAG_NAME, "a").click()
    WebDriverWait(browser, 10).until(staleness_of(rows[0]))
    assert browser.find_element(By.CSS_SELECTOR, '[data-figure="verified"]').text == "Verified"
    kinds = [
        td.text for td in browser.find_elements(By.CSS_SELECTOR, "tbody > tr > td:nth-child(3)")
    ]
    assert kinds[:2] == ["opened", "decision"]
    save_screenshot(browser, "audit-evidence")

    browser.find_element(By.CSS_SELECTOR, "header form button").click()  # sign out
    browser.get(url + "/audit")
    assert "Sign in" in browser.title


def test_wrong_token_in_the_browser_gets_no_session(browser, live_app, site):
    url = live_app(site.app)
    type_token(browser, url, "wrong-token")
    assert "not the audit token" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert browser.get_cookie("reviewer_audit_session") is None
    browser.get(url + "/audit/decisions")
    assert "Sign in" in browser.title and not browser.find_elements(By.CSS_SELECTOR, "tbody tr")


def test_keyboard_alone_signs_in(browser, live_app, site):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    url = live_app(site.app)
    browser.get(url + "/audit/sign-in")
    for _ in range(6):  # skip link first, then the form's field
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.switch_to.active_element.get_attribute("id") == "token":
            break
    assert browser.switch_to.active_element.get_attribute("id") == "token"
    field = browser.switch_to.active_element
    ActionChains(browser).send_keys(TOKEN + Keys.ENTER).perform()
    WebDriverWait(browser, 10).until(staleness_of(field))
    assert browser.find_element(By.CSS_SELECTOR, '[data-figure="prs"]').text == str(
        len(site.planned)
    )
