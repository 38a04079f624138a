"""Hostile but correctly signed deliveries over real HTTP, on SQLite and on PostgreSQL.

Whoever holds the webhook secret (or a bug upstream) must not be able to turn intake into a
500: a field out of the range our columns hold is a 400 naming it, and nothing is written.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from reviewer.app import create_app
from reviewer.runtime import make_queue
from reviewer.store.db import open_database
from reviewer.store.models import Job
from tests.fakes.server import running
from tests.test_intake import SYNC, Service, settings_for
from tests.test_webhooks import ALL_PAYLOADS, FIXTURES

COMMENT = FIXTURES / "issue_comment/created.with-installation.payload.json"
MERGED = FIXTURES / "pull_request/closed.payload.json"


@contextmanager
def serve_on(tmp_path: Path, database_url: str) -> Iterator[Service]:
    settings = settings_for(tmp_path, database_url=database_url)
    engine = open_database(database_url)
    try:
        with (
            running(create_app(settings, make_queue(settings, engine))) as base_url,
            httpx.Client(base_url=base_url, timeout=30) as client,
        ):
            yield Service(client, make_queue(settings, engine), engine)  # type: ignore[arg-type]
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reviewer.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[Service]:
    with serve_on(tmp_path, database_url) as svc:
        yield svc


def jobs(service: Service) -> int:
    with service.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Job)) or 0)


def sync_with(path: tuple[str, ...], value: Any) -> bytes:
    data = json.loads(SYNC.read_bytes())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(data).encode()


def comment_with_id(comment_id: int) -> bytes:
    data = json.loads(COMMENT.read_bytes())
    data["comment"].update(id=comment_id, body="/reviewer review")
    return json.dumps(data).encode()


ATTACKS: dict[str, tuple[str, bytes, str]] = {
    "pr number past int64": (
        "pull_request",
        sync_with(("pull_request", "number"), 2**63),
        "pull_request.number",
    ),
    "installation past int32": (
        "pull_request",
        sync_with(("installation", "id"), 2**31),
        "installation.id",
    ),
    "sha of 65 chars": (
        "pull_request",
        sync_with(("pull_request", "head", "sha"), "a" * 65),
        "pull_request.head.sha",
    ),
    "repo name of 201 chars": (
        "pull_request",
        sync_with(("repository", "full_name"), "acme/" + "r" * 196),
        "repository.full_name",
    ),
    "NUL in repo name": (
        "pull_request",
        sync_with(("repository", "full_name"), "acme/a\x00pp"),
        "repository.full_name",
    ),
    "lone surrogate in repo name": (
        "pull_request",
        sync_with(("repository", "full_name"), "acme/\ud800"),
        "repository.full_name",
    ),
    "NUL in branch": (
        "pull_request",
        sync_with(("pull_request", "head", "ref"), "main\x00"),
        "pull_request.head.ref",
    ),
    "action of 100 chars": ("pull_request", sync_with(("action",), "s" * 100), "action"),
    "comment id past int64": ("issue_comment", comment_with_id(2**63), "comment.id"),
    "nested 100,000 deep": (
        "pull_request",
        b'{"action": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nested too deeply",
    ),
}


def test_out_of_range_fields_are_400_naming_them_and_write_nothing(service: Service) -> None:
    answers: dict[str, tuple[int, bool]] = {}
    for name, (event, body, field) in ATTACKS.items():
        response = service.post(body, event=event, delivery=f"attack-{len(answers)}")
        answers[name] = (response.status_code, field in response.json()["reason"])
    assert answers == {name: (400, True) for name in ATTACKS}
    assert service.deliveries() == 0 and jobs(service) == 0


def test_valid_bounds_still_queue(service: Service) -> None:
    """The edges GitHub can really send (int32 PR numbers, sha256 repos) are accepted."""
    data = json.loads(SYNC.read_bytes())
    data["pull_request"]["number"] = 2**31 - 1
    data["pull_request"]["head"]["sha"] = "b" * 64
    data["repository"]["full_name"] = "acme/" + "r" * 195
    response = service.post(json.dumps(data).encode())
    assert response.status_code == 202, response.text
    [job] = service.queue.list_jobs()
    assert (job.pr, job.head_sha) == (2**31 - 1, "b" * 64)


def test_merged_pr_job_keeps_no_pr_text(service: Service) -> None:
    """A merged PR's body is not stored: only the revert markers its outcome job needs."""
    key = "AKIA" + "Q" * 16
    data = json.loads(MERGED.read_bytes())
    data["pull_request"].update(
        merged=True,
        merge_commit_sha="c" * 40,
        body=f"Reverts acme/app#7\n\naws_access_key_id = {key}",
        title="Revert the thing",
    )
    response = service.post(json.dumps(data).encode())
    assert response.status_code == 202, response.text
    with service.engine.connect() as conn:
        stored = conn.scalar(select(Job.payload))
    assert key not in str(stored) and "Revert the thing" not in str(stored)
    assert json.loads(str(stored))["reverts"] == "Reverts acme/app#7"


def test_sql_errors_never_carry_their_parameters(database_url: str) -> None:
    """A failed statement's message (what log.exception writes) names no bound value."""
    engine = open_database(database_url)
    secret = "ghp_" + "S" * 36
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO no_such_table (x) VALUES (:x)"), {"x": secret})
    except Exception as exc:
        assert secret not in str(exc) and "parameters hidden" in str(exc)
    else:
        pytest.fail("the statement should have failed")
    finally:
        engine.dispose()


# --- fuzz: signed mutations of every fixture payload --------------------------------------

PAYLOADS = [(p.parent.name, json.loads(p.read_bytes())) for p in ALL_PAYLOADS]
HOSTILE = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**31, 2**63, -1, 0, 1e308, -0.0, True, None, [], {}]),
    st.text(max_size=80),
    st.sampled_from(["", "\x00", "\ud800", "a" * 65, "x" * 300, "acme/app", "e" * 40]),
    st.recursive(st.none(), lambda inner: st.lists(inner, max_size=2), max_leaves=4),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


PATHS = [_paths(data) for _, data in PAYLOADS]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    index = draw(st.integers(0, len(PAYLOADS) - 1))
    event, data = PAYLOADS[index]
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS[index]))
        target = data
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = draw(HOSTILE)
        except (KeyError, IndexError, TypeError):  # an earlier mutation replaced a parent
            continue
    return event, json.dumps(data).encode()


def test_fuzzed_signed_deliveries_never_5xx(tmp_path: Path, database_url: str) -> None:
    examples = 900 if database_url.startswith("sqlite") else 1200
    counter = iter(range(10**9))
    with serve_on(tmp_path, database_url) as service:

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(mutated())
        def deliver(delivery: tuple[str, bytes]) -> None:
            event, body = delivery
            response = service.post(body, event=event, delivery=f"fuzz-{next(counter)}")
            assert response.status_code < 500, (response.status_code, body[:300])

        deliver()
