"""``reviewer setup`` end to end: the real command in a subprocess, its real local page,
the fake GitHub's manifest form and code exchange on loopback, then ``reviewer serve``
started on nothing but the ``.env`` it wrote, answering a delivery signed with the secret
GitHub gave and reviewing through the new App's key."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import stat
import subprocess
import sys
import threading
import uuid
from html import unescape
from pathlib import Path

import httpx
import pytest
import yaml
from dotenv import dotenv_values
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from reviewer.webhooks import sign
from tests.browser import save_screenshot
from tests.conftest import REPO, WEBHOOK_SECRET, pr_payload, reviewer_env
from tests.fakes.server import free_port
from tests.test_github_e2e import completed_check, serving, wait_for

PUBLIC = "https://reviewer.example.com"
APP_YML = Path(__file__).resolve().parent.parent / "app.yml"
WRITTEN = (
    "REVIEWER_GITHUB_APP_ID", "REVIEWER_GITHUB_APP_SLUG", "REVIEWER_GITHUB_PRIVATE_KEY",
    "REVIEWER_WEBHOOK_SECRET", "REVIEWER_GITHUB_API_URL",
)  # fmt: skip


class SetupRun:
    """``reviewer setup`` in a subprocess; stderr is read as it comes."""

    def __init__(self, cwd: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in WRITTEN}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reviewer.cli.main", "setup", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line)
            self.lines.put(line)

    def page_url(self) -> str:
        """The address the command tells the user to open."""
        for _ in range(600):
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.proc.poll() is None, "".join(self.err)
                continue
            found = re.search(r"Open (http://127\.0\.0\.1:\d+/) in your browser", line)
            if found:
                return found.group(1)
        raise AssertionError("no page address after 60 s: " + "".join(self.err))

    def finish(self) -> tuple[int, str, str]:
        code = self.proc.wait(timeout=60)
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()
        self.proc.stdout.close()
        return code, out, "".join(self.err)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def setup_runs():
    runs: list[SetupRun] = []

    def start(cwd: Path, *args: str) -> SetupRun:
        run = SetupRun(cwd, *args)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.stop()


@pytest.fixture
def origin(fake_github) -> str:
    return fake_github.api_url.removesuffix("/api/v3")


def form_of(page: str) -> tuple[str, str]:
    """(action, manifest JSON) of the page's form, as a browser would post them."""
    action = re.search(r'<form method="post" action="([^"]+)"', page)
    manifest = re.search(r'name="manifest" value="([^"]+)"', page)
    assert action and manifest, page
    return unescape(action.group(1)), unescape(manifest.group(1))


def register_over_http(url: str) -> tuple[httpx.Response, dict]:
    """Open the page, post its form to GitHub, follow GitHub's redirect back."""
    action, manifest = form_of(httpx.get(url).text)
    github = httpx.post(action, data={"manifest": manifest}, follow_redirects=False)
    assert github.status_code == 302, github.text
    return httpx.get(github.headers["location"]), json.loads(manifest)


def test_setup_registers_the_app_and_serve_runs_on_the_env_it_wrote(
    fake_github, origin, tmp_path, setup_runs, monkeypatch
):
    run = setup_runs(tmp_path, "--url", PUBLIC, "--name", "Acme reviewer", "--github-url", origin)
    url = run.page_url()
    action, _ = form_of(httpx.get(url).text)
    assert action.startswith(origin + "/settings/apps/new?state=")
    done, manifest = register_over_http(url)
    assert done.status_code == 200, done.text
    install = f"{origin}/apps/acme-reviewer/installations/new"
    assert f'href="{install}"' in done.text
    code, out, err = run.finish()
    assert code == 0, err
    assert f"Install it on your repositories: {install}" in out

    app_yml = yaml.safe_load(APP_YML.read_text())
    assert manifest["hook_attributes"] == {"active": True, "url": PUBLIC + "/webhook"}
    assert manifest["redirect_url"] == url + "callback"
    assert manifest["default_permissions"] == app_yml["default_permissions"]
    assert manifest["default_events"] == app_yml["default_events"]
    assert fake_github.manifests.received == [manifest]

    env_file = tmp_path / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    written = dotenv_values(env_file)
    assert written["REVIEWER_GITHUB_APP_ID"] == str(fake_github.app_id) != "4242"
    assert written["REVIEWER_GITHUB_APP_SLUG"] == "acme-reviewer"
    assert written["REVIEWER_GITHUB_API_URL"] == fake_github.api_url
    secret = fake_github.manifests.webhook_secret
    assert secret and written["REVIEWER_WEBHOOK_SECRET"] == secret
    assert written["REVIEWER_GITHUB_PRIVATE_KEY"].startswith("-----BEGIN RSA PRIVATE KEY-----")

    # `reviewer serve` started beside that .env, with no App settings of its own.
    monkeypatch.chdir(tmp_path)
    serve_env = reviewer_env("unused", "unused", f"sqlite:///{tmp_path / 'r.db'}")
    for key in WRITTEN:
        serve_env.pop(key)
    pull = fake_github.add_pull_from_contents(
        REPO, 1, new={"app.py": "print(1)\n"}, title="Print one", author="alice"
    )
    body = json.dumps(pr_payload("opened", pull)).encode()
    headers = {"X-GitHub-Event": "pull_request", "Content-Type": "application/json"}
    with serving(serve_env, tmp_path / "serve.log") as base:
        stale = {"X-Hub-Signature-256": sign(WEBHOOK_SECRET.encode(), body)}
        answer = httpx.post(base + "/webhook", content=body, headers={**headers, **stale})
        assert answer.status_code == 401  # only GitHub's new secret counts
        signed = {"X-Hub-Signature-256": sign(secret.encode(), body)}
        delivery = {"X-GitHub-Delivery": str(uuid.uuid4())}
        answer = httpx.post(
            base + "/webhook", content=body, headers={**headers, **signed, **delivery}
        )
        assert answer.status_code == 202, answer.text
        wait_for(lambda: completed_check(fake_github, pull.head_sha), what="check run")
    # The token came from a JWT the fake checked against the new App's id and public key.
    mints = [r for r in fake_github.requests if r.path.endswith("/access_tokens")]
    assert mints and {r.status for r in mints} == {201}


def test_setup_page_in_a_browser_registers_an_org_app(
    browser, fake_github, origin, tmp_path, setup_runs
):
    args = ("--url", PUBLIC, "--org", "acme", "--name", "Acme reviewer", "--github-url", origin)
    run = setup_runs(tmp_path, *args)
    browser.get(run.page_url())
    assert "Set up the PR reviewer" in browser.title
    assert PUBLIC + "/webhook" in browser.find_element(By.TAG_NAME, "table").text
    save_screenshot(browser, "setup-start")
    browser.find_element(By.ID, "create").click()
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.ID, "install"))
    link = browser.find_element(By.ID, "install").get_attribute("href")
    assert link == f"{origin}/apps/acme-reviewer/installations/new"
    assert "The App is registered" in browser.title
    save_screenshot(browser, "setup-done")
    code, _, err = run.finish()
    assert code == 0, err
    assert fake_github.manifests.owner == "acme"
    env_file = tmp_path / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert dotenv_values(env_file)["REVIEWER_GITHUB_APP_ID"] == str(fake_github.app_id)


def test_wrong_state_or_host_is_refused_and_setup_keeps_waiting(
    fake_github, origin, tmp_path, setup_runs
):
    run = setup_runs(tmp_path, "--url", PUBLIC, "--github-url", origin)
    url = run.page_url()
    port = url.rsplit(":", 1)[1].strip("/")
    csp = httpx.get(url).headers["content-security-policy"]
    assert "default-src 'none'" in csp and f"form-action {origin} 'self'" in csp
    rebound = httpx.get(url, headers={"Host": f"evil.example:{port}"})
    assert rebound.status_code == 421 and "state" not in rebound.text
    forged = httpx.get(url + "callback", params={"code": "abc123", "state": "not-this-run"})
    assert forged.status_code == 400
    assert "wrong state" in forged.text
    assert not any("app-manifests" in r.path for r in fake_github.requests)
    assert not (tmp_path / ".env").exists()

    done, _ = register_over_http(url)  # the real redirect still works
    assert done.status_code == 200, done.text
    code, _, err = run.finish()
    assert code == 0 and "rejected a callback whose state is not this run's" in err


def test_expired_code_fails_clearly_and_writes_nothing(fake_github, origin, tmp_path, setup_runs):
    run = setup_runs(tmp_path, "--url", PUBLIC, "--github-url", origin)
    action, manifest = form_of(httpx.get(run.page_url()).text)
    github = httpx.post(action, data={"manifest": manifest}, follow_redirects=False)
    fake_github.manifests.expire_codes()  # the browser tab sat there for over an hour
    back = httpx.get(github.headers["location"])
    assert back.status_code == 502 and "older than one hour" in back.text
    code, _, err = run.finish()
    assert code == 2
    assert "error: GitHub did not accept the code" in err
    assert not (tmp_path / ".env").exists()


def test_existing_app_settings_need_force_and_other_settings_are_kept(
    fake_github, origin, tmp_path, setup_runs
):
    signing_key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA\n-----END PRIVATE KEY-----"
    before = (
        "# our host\nREVIEWER_DATABASE_URL=sqlite:////srv/reviewer.db\n"
        "REVIEWER_GITHUB_APP_ID=1\nREVIEWER_GITHUB_PRIVATE_KEY_PATH=/old/key.pem\n"
        f'REVIEWER_AUDIT_SIGNING_KEY="{signing_key}"\n'
    )
    (tmp_path / ".env").write_text(before)
    refused = setup_runs(tmp_path, "--url", PUBLIC, "--github-url", origin)
    code, _, err = refused.finish()
    assert code == 2
    assert "already holds an App's settings" in err and "--force" in err
    assert (tmp_path / ".env").read_text() == before
    assert fake_github.manifests.received == []

    run = setup_runs(tmp_path, "--url", PUBLIC, "--github-url", origin, "--force")
    done, _ = register_over_http(run.page_url())
    assert done.status_code == 200, done.text
    code, _, err = run.finish()
    assert code == 0, err
    text = (tmp_path / ".env").read_text()
    assert text.startswith("# our host\nREVIEWER_DATABASE_URL=sqlite:////srv/reviewer.db\n")
    assert text.count("REVIEWER_GITHUB_APP_ID=") == 1 and "PRIVATE_KEY_PATH" not in text
    written = dotenv_values(tmp_path / ".env")
    assert written["REVIEWER_AUDIT_SIGNING_KEY"] == signing_key
    assert written["REVIEWER_GITHUB_APP_ID"] == str(fake_github.app_id)
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_port_in_use_is_named(tmp_path, setup_runs):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = setup_runs(tmp_path, "--url", PUBLIC, "--port", str(port)).finish()
    assert code == 2
    assert f"port {port} is in use: pick another with --port N" in err


def test_unreachable_github_is_named(tmp_path, setup_runs):
    nowhere = f"http://127.0.0.1:{free_port()}"
    run = setup_runs(tmp_path, "--url", PUBLIC, "--github-url", nowhere)
    url = run.page_url()
    action, _ = form_of(httpx.get(url).text)
    state = action.split("state=", 1)[1]
    back = httpx.get(url + "callback", params={"code": "abc123", "state": state})
    assert back.status_code == 502 and "cannot reach GitHub" in back.text
    code, _, err = run.finish()
    assert code == 2
    assert f"error: cannot reach GitHub at {nowhere}/api/v3" in err
    assert not (tmp_path / ".env").exists()


def test_no_webhook_secret_from_github_is_said_with_what_to_do(
    fake_github, origin, tmp_path, setup_runs
):
    fake_github.manifests.give_webhook_secret = False
    run = setup_runs(tmp_path, "--url", PUBLIC, "--github-url", origin)
    done, _ = register_over_http(run.page_url())
    assert done.status_code == 200, done.text
    code, out, err = run.finish()
    assert code == 0, err
    secret = dotenv_values(tmp_path / ".env")["REVIEWER_WEBHOOK_SECRET"]
    assert secret and re.fullmatch(r"[0-9a-f]{64}", secret)
    told = f"under 'Webhook secret' at {origin}/settings/apps/pr-reviewer;"
    assert "GitHub set no webhook secret" in out and told in out
    assert told in unescape(done.text)


@pytest.mark.parametrize(
    ("drop", "problem"),
    [("redirect_url", "redirect_url must be"), ("hook_attributes", "hook_attributes.url must"),
     ("name", "name must be")],
)  # fmt: skip
def test_fake_github_refuses_a_manifest_github_would(fake_github, origin, drop, problem):
    manifest = {
        "name": "Acme reviewer",
        "url": PUBLIC,
        "hook_attributes": {"url": PUBLIC + "/webhook"},
        "redirect_url": "http://127.0.0.1:1/callback",
        "default_permissions": {"checks": "write"},
    }
    del manifest[drop]
    answer = httpx.post(
        origin + "/settings/apps/new",
        data={"manifest": json.dumps(manifest)},
        params={"state": "s"},
    )
    assert answer.status_code == 422 and problem in answer.text
    assert fake_github.manifests.codes == {}


def test_env_file_update_keeps_other_lines_and_refuses_what_it_cannot_write(tmp_path):
    from reviewer import envfile

    path = tmp_path / ".env"
    path.write_text('A=1\nexport reviewer_github_app_id="7"\nB="two\nlines"')
    tricky = 'a "q" \\ $x\n-----END-----\\n'
    envfile.update(path, {"REVIEWER_GITHUB_APP_ID": "9", "K": tricky})
    assert path.read_text().startswith('A=1\nB="two\nlines"\nREVIEWER_GITHUB_APP_ID="9"\n')
    assert dotenv_values(path) == {
        "A": "1", "B": "two\nlines", "REVIEWER_GITHUB_APP_ID": "9", "K": tricky
    }  # fmt: skip
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    before = path.read_text()
    with pytest.raises(envfile.EnvFileError, match="would not read back as written"):
        envfile.update(path, {"K": "${HOME}"})  # python-dotenv expands it in any quotes
    assert path.read_text() == before
    path.write_text("A=1\nthis is not a setting\n")
    with pytest.raises(envfile.EnvFileError, match="line 2: not KEY=VALUE"):
        envfile.update(path, {"REVIEWER_GITHUB_APP_ID": "9"})
    assert path.read_text() == "A=1\nthis is not a setting\n"
    assert [p.name for p in tmp_path.iterdir()] == [".env"]
