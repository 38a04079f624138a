"""Shared fixtures: databases, git repositories, and the fakes served on loopback."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from reviewer.store.db import open_database
from tests.postgres import NoPostgres, fresh_database, session_server


@pytest.fixture(autouse=True)
def _isolated_trace_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tracer's blob cache in a fresh folder per test (subprocesses inherit it), so no
    test depends on what an earlier run left in the user's cache directory."""
    monkeypatch.setenv("REVIEWER_TRACE_CACHE_DIR", str(tmp_path_factory.mktemp("trace-cache")))


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    """A CLI command run in-process reconfigures structlog; give every test the defaults."""
    yield
    structlog.reset_defaults()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'reviewer.db'}"


@pytest.fixture
def engine(sqlite_url: str):
    engine = open_database(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh database per test session (each xdist worker is one): on the server at
    REVIEWER_TEST_POSTGRES_URL, or on one the session starts itself when none answers there
    (``tests/postgres.py``).

    When neither can be had the PostgreSQL tests fail with both reasons: they are part of
    the suite, never skipped.
    """
    try:
        with session_server() as server, fresh_database(server, "reviewer_test") as url:
            yield url
    except NoPostgres as exc:
        pytest.fail(str(exc))


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh database per test (dropped afterwards)."""
    with fresh_database(postgres_server_url, "reviewer_t") as url:
        yield url


@pytest.fixture
def postgres_engine(postgres_url: str):
    engine = open_database(postgres_url)
    yield engine
    engine.dispose()


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ada Dev",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Dev",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


class GitRepo:
    """A throwaway repository for local-review tests."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "-q", "-b", "main")

    def write(self, rel: str, content: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        for rel, content in (files or {}).items():
            self.write(rel, content)
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "-m", message)
        return git(self.path, "rev-parse", "HEAD").strip()


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


# -- GitHub: one fake per test, served from one loopback server per session ------------

APP_ID = 4242
INSTALLATION_ID = 123456
REPO = "acme/app"
APP_SLUG = "pr-reviewer"
WEBHOOK_SECRET = "test-webhook-secret"
FIXTURES = Path(__file__).parent / "fixtures" / "github-webhooks"


@pytest.fixture(autouse=True)
def _github_spec_referee() -> Iterator[None]:
    """Every fake GitHub checks requests and responses against GitHub's OpenAPI
    description (tests/fakes/github_spec.py); a test that left a violation fails."""
    from tests.fakes.github_spec import LIVE_FAKES

    yield
    found = [v for fake in list(LIVE_FAKES) for v in fake.take_spec_violations()]
    assert not found, "GitHub's OpenAPI description rejects:\n" + "\n".join(found)


@pytest.fixture(scope="session")
def app_keys() -> tuple[str, str]:
    from tests.fakes import generate_app_keypair

    return generate_app_keypair()


@pytest.fixture(scope="session")
def github_slot():
    from tests.fakes import SwappableApp, running

    slot = SwappableApp()
    with running(slot) as origin:
        yield slot, origin


@pytest.fixture
def fake_github(github_slot, app_keys):
    """A fresh fake GitHub with the App installed on ``acme/app``; ``.api_url`` set."""
    from reviewer.github.auth import InstallationTokens
    from tests.fakes import FakeGitHub

    InstallationTokens.forget_shared()
    slot, origin = github_slot
    fake = FakeGitHub(app_id=APP_ID, public_key=app_keys[1], app_slug=APP_SLUG)
    fake.add_installation(INSTALLATION_ID, "acme")
    fake.add_repo(REPO, collaborators={"alice": "write", "mallory": "read", "bob": "write"})
    slot.app = fake.app
    fake.api_url = origin + "/api/v3"
    return fake


def reviewer_env(api_url: str, private_key: str, database_url: str) -> dict[str, str]:
    """Environment for a reviewer process that talks to the fake GitHub at ``api_url``."""
    return {
        "REVIEWER_GITHUB_API_URL": api_url,
        "REVIEWER_GITHUB_APP_ID": str(APP_ID),
        "REVIEWER_GITHUB_PRIVATE_KEY": private_key,
        "REVIEWER_GITHUB_APP_SLUG": APP_SLUG,
        "REVIEWER_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "REVIEWER_DATABASE_URL": database_url,
        "REVIEWER_WORKER_POLL_SECONDS": "0.05",
        "REVIEWER_JOB_BACKOFF_BASE_SECONDS": "0",
        "REVIEWER_GITHUB_SECONDS_BETWEEN_WRITES": "0",
        "REVIEWER_GITHUB_BACKOFF_BASE_SECONDS": "0.01",
        "REVIEWER_REDELIVERY_SWEEP_SECONDS": "0",  # tests that want the sweeper run it
        "REVIEWER_FEEDBACK_POLL_SECONDS": "0",  # tests that want the poller start it
        "REVIEWER_LOG_FORMAT": "json",
    }


@pytest.fixture
def github_env(fake_github, app_keys, sqlite_url) -> dict[str, str]:
    """Environment for a reviewer process that talks to the fake GitHub."""
    return reviewer_env(fake_github.api_url, app_keys[0], sqlite_url)


@pytest.fixture
def github_settings(github_env):
    from reviewer.settings import Settings

    return Settings(**{k.removeprefix("REVIEWER_").lower(): v for k, v in github_env.items()})


@pytest.fixture
def runtime(github_settings):
    """Database, queue, audit log and every GitHub job handler, in-process."""
    from reviewer.github.handlers import make_handlers
    from reviewer.queue import JobKind
    from reviewer.runtime import build_runtime

    runtime = build_runtime(github_settings)
    runtime.handlers.update(make_handlers(runtime))
    assert set(runtime.handlers) == set(JobKind)
    return runtime


def pr_payload(action: str, pull, *, repo: str = REPO, sender: str | None = None) -> dict:
    """A real ``pull_request`` fixture payload pointed at a PR of the fake."""
    import json

    source = FIXTURES / "pull_request" / "opened.payload.json"
    payload = json.loads(source.read_text())
    payload["action"] = action
    payload["installation"] = {"id": INSTALLATION_ID}
    payload["repository"]["full_name"] = repo
    payload["repository"]["name"] = repo.split("/")[1]
    pr = payload["pull_request"]
    pr.update(number=pull.number, draft=pull.draft, title=pull.title, body=pull.body)
    pr["head"]["sha"] = pull.head_sha
    pr["base"]["sha"] = pull.base_sha
    pr["user"]["login"] = pull.author
    payload["number"] = pull.number
    payload["sender"]["login"] = sender or pull.author
    return payload


def signed(payload: dict, event: str = "pull_request", delivery: str | None = None):
    """(body, headers) of a delivery signed with the test secret."""
    import json

    from reviewer.webhooks import sign

    body = json.dumps(payload).encode()
    return body, {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(WEBHOOK_SECRET.encode(), body),
        "Content-Type": "application/json",
    }


# -- Model providers: scripted fakes on loopback, and a tripwire for the real ones -------


@pytest.fixture(scope="session")
def real_provider_tripwire():
    from tests.fakes import running
    from tests.fakes.models import Tripwire

    wire = Tripwire()
    with running(wire) as origin:
        wire.origin = origin
        yield wire


@pytest.fixture(autouse=True)
def no_real_model_calls(real_provider_tripwire, monkeypatch):
    """No test may reach a real provider: keys are cleared, the SDKs' default hosts point
    at a tripwire, and a test that reached it fails, naming the call."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY",
                 "REVIEWER_ANTHROPIC_API_KEY", "REVIEWER_OPENAI_API_KEY", "REVIEWER_MODELS",
                 "REVIEWER_ANTHROPIC_BASE_URL", "REVIEWER_OPENAI_BASE_URL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", real_provider_tripwire.origin + "/real-anthropic")
    monkeypatch.setenv("OPENAI_BASE_URL", real_provider_tripwire.origin + "/real-openai/v1")
    seen = len(real_provider_tripwire.hits)
    yield
    hits = real_provider_tripwire.hits[seen:]
    assert not hits, f"a test tried to reach a real model provider: {hits}"


@pytest.fixture(scope="session")
def model_slots():
    from tests.fakes import SwappableApp, running

    anthropic_slot, openai_slot = SwappableApp(), SwappableApp()
    with running(anthropic_slot) as anthropic_url, running(openai_slot) as openai_url:
        yield (anthropic_slot, anthropic_url), (openai_slot, openai_url + "/v1")


@pytest.fixture
def fake_models(model_slots):
    """Fresh scripted fake Anthropic and OpenAI servers; ``.settings()`` points at them."""
    from tests.fakes.anthropic import FakeAnthropic
    from tests.fakes.models import FakeModels, ScriptedModel
    from tests.fakes.openai import FakeOpenAI

    (a_slot, a_url), (o_slot, o_url) = model_slots
    fakes = FakeModels(ScriptedModel(), ScriptedModel(), a_url, o_url)
    a_slot.app, o_slot.app = FakeAnthropic(fakes.anthropic), FakeOpenAI(fakes.openai)
    yield fakes
    a_slot.app = o_slot.app = None


# -- Pages: a real headless Chromium (see tests/browser.py) -------------------------------

from tests.browser import _chromium_session, browser, live_app  # noqa: E402, F401
