"""The shared headless-Chromium fixture drives the real app over loopback."""

from __future__ import annotations

from pathlib import Path

from reviewer.app import create_app
from reviewer.queue.sqlite import SqliteJobQueue
from reviewer.settings import load_settings
from reviewer.store.db import open_database
from tests.browser import save_screenshot


def test_chromium_reads_a_page_of_the_real_app(browser, live_app, tmp_path: Path) -> None:
    settings = load_settings(
        webhook_secret="s", database_url=f"sqlite:///{tmp_path / 'reviewer.db'}"
    )
    queue = SqliteJobQueue(open_database(settings.database_url))
    url = live_app(create_app(settings, queue))
    browser.get(url + "/healthz")
    assert '"status":"ok"' in browser.find_element("tag name", "body").text.replace(" ", "")
    shot = save_screenshot(browser, "browser-fixture-healthz")
    assert shot.read_bytes().startswith(b"\x89PNG")
