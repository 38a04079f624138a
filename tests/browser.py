"""A real headless Chromium for page tests: Debian's ``chromium`` and ``chromium-driver``
driven with Selenium. Nothing is downloaded at run time: the browser and the driver are the
system's (``.ci/run`` installs them when missing), and Selenium Manager is kept offline.

    def test_page(browser, live_app):
        url = live_app(create_app(...))      # the app served on loopback
        browser.get(url + "/audit")
        save_screenshot(browser, "audit-home")   # a PNG under the artifacts folder

Screenshots go to ``$REVIEWER_TEST_ARTIFACTS`` (default ``test-artifacts/`` at the repo
root), so CI and people can look at what a test saw.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("REVIEWER_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts"))


def _first_existing(candidates: tuple[str, ...], name: str) -> str:
    for path in candidates:
        if Path(path).exists():
            return path
    found = shutil.which(name)
    if found:
        return found
    pytest.fail(
        f"{name} is not installed: `apt-get install -y chromium chromium-driver` "
        "(.ci/run does this); page tests never download a browser"
    )


def start_chromium(width: int = 1280, height: int = 1000) -> Any:
    """A headless Chromium with a fresh profile; the caller quits it."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _first_existing(CHROMIUM_CANDIDATES, "chromium")
    for flag in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-component-update",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    service = Service(executable_path=_first_existing(DRIVER_CANDIDATES, "chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="session")
def _chromium_session() -> Iterator[Any]:
    driver = start_chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(_chromium_session: Any) -> Iterator[Any]:
    """The session's Chromium with no cookies left from an earlier test."""
    _chromium_session.delete_all_cookies()
    yield _chromium_session
    _chromium_session.delete_all_cookies()


@pytest.fixture
def live_app() -> Iterator[Callable[[Any], str]]:
    """Serve ASGI apps on loopback for the test; returns their base URL."""
    from tests.fakes import serve_in_thread

    stops: list[Callable[[], None]] = []

    def serve(app: Any) -> str:
        url, stop = serve_in_thread(app)
        stops.append(stop)
        return url

    yield serve
    for stop in stops:
        stop()


def save_screenshot(driver: Any, name: str) -> Path:
    """Save the whole page as ``<artifacts>/<name>.png`` and return the path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, 600)  # measure the page, not an earlier, taller window
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(int(height) + 120, 600))
    driver.save_screenshot(str(path))
    return path
