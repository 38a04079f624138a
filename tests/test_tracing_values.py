"""Value tracing: a changed literal or constant, its other uses, and the validations of the
field it flows into (``kind: "value"`` edges)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewer.cli.main import app
from reviewer.context import build_local_context
from subagents.tracing.constraints import constraints_in
from subagents.tracing.model import Trace
from subagents.tracing.query import trace_change
from subagents.tracing.render import render_trace
from subagents.tracing.source import GitTreeSource
from tests.conftest import GitRepo

SEVENTY = "Spring sale: every plant, pot and planter is 30% off until Sunday 9pm!"
SHOP = {
    "shop/__init__.py": "",
    "shop/copy.py": 'BANNER_TITLE = "Spring sale"\nFOOTER = "Thanks for shopping with us"\n',
    "shop/schemas.py": (
        "from pydantic import BaseModel, Field\n\n\n"
        "class Banner(BaseModel):\n"
        "    title: str = Field(max_length=64)\n"
        "    body: str = ''\n"
    ),
    "shop/blog.py": (
        "from django.db import models\n\n\n"
        "class Post(models.Model):\n"
        "    title = models.CharField(max_length=200)\n"
    ),
    "shop/views.py": (
        "from shop.copy import BANNER_TITLE\n"
        "from shop.schemas import Banner\n\n\n"
        "def home():\n"
        "    return Banner(title=BANNER_TITLE)\n"
    ),
    "templates/home.html": "<h1>Spring sale</h1>\n",
}


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "trace-cache"
    monkeypatch.setenv("REVIEWER_TRACE_CACHE_DIR", str(folder))
    return folder


def traced(repo: GitRepo, files: dict[str, str], changed: dict[str, str]) -> Trace:
    repo.commit("base", files)
    repo.commit("copy change", changed)
    ctx = build_local_context(str(repo.path), "HEAD~1")
    return trace_change(GitTreeSource(repo.path, ctx.head_sha), ctx.files, cache=False)


def values(trace: Trace) -> dict[tuple[str, int], tuple[str, str, bool, int]]:
    return {
        (e.path, e.line): (e.symbol, e.target, e.possible, e.hops)
        for e in trace.edges
        if e.kind == "value"
    }


def test_copy_change_over_a_max_length_elsewhere_appears_in_the_trace(git_repo: GitRepo) -> None:
    """The story: copy text becomes 70 characters; a validator two files away allows 64."""
    assert len(SEVENTY) == 70
    copy = SHOP["shop/copy.py"].replace('"Spring sale"', json.dumps(SEVENTY))
    trace = traced(git_repo, SHOP, {"shop/copy.py": copy})
    assert [c.symbol for c in trace.changed] == ["shop.copy.BANNER_TITLE"]
    found = values(trace)
    target = "shop.copy.BANNER_TITLE"
    assert found[("shop/views.py", 6)] == ("shop.views.home", target, False, 1)  # the use
    assert found[("shop/schemas.py", 5)] == ("shop.schemas.Banner.title", target, False, 2)
    # the same field name on another model: shown, but only as possible
    assert found[("shop/blog.py", 5)] == ("shop.blog.Post.title", target, True, 2)
    # the old text is still in a template: a copy the change did not update
    assert found[("templates/home.html", 1)][1:3] == (target, False)
    text = render_trace(trace, 2000)
    assert "`title` allows at most 64 characters; the changed value has 70" in text
    assert "Field(max_length=64)" in text
    # ranked for the model: the sure validation first, the name-only one marked as a lead
    assert text.index("Banner.title") < text.index("shop.blog.Post.title")
    assert "`shop.blog.Post.title` shop/blog.py:5 (confidence 0.40, POSSIBLE: unconfirmed" in text
    assert text.startswith("Edges are ranked") and "Those marked POSSIBLE" in text


def test_literal_passed_directly_reaches_the_validation_in_one_hop(git_repo: GitRepo) -> None:
    files = {**SHOP, "shop/views.py": SHOP["shop/views.py"].replace(
        "Banner(title=BANNER_TITLE)", 'Banner(title="Spring sale")'
    )}  # fmt: skip
    changed = files["shop/views.py"].replace('"Spring sale"', json.dumps(SEVENTY))
    trace = traced(git_repo, files, {"shop/views.py": changed})
    assert [c.symbol for c in trace.changed] == ["shop.views.home"]
    found = values(trace)
    assert found[("shop/schemas.py", 5)] == (
        "shop.schemas.Banner.title", "shop.views.home", False, 1,
    )  # fmt: skip


def test_enum_member_and_settings_key_uses(git_repo: GitRepo) -> None:
    files = {
        "app/__init__.py": "",
        "app/status.py": (
            "import enum\n\n\nclass Status(enum.Enum):\n"
            "    ACTIVE = 'active'\n    BLOCKED = 'blocked'\n"
        ),
        "app/users.py": (
            "from app.status import Status\n\n\n"
            "def block(user):\n    user.status = Status.BLOCKED\n\n\n"
            "def other(thing):\n    return thing.BLOCKED\n"
        ),
        "app/settings.py": "SESSION_COOKIE_NAME = 'sessionid'\n",
        "app/auth.py": (
            "from django.conf import settings\n\n\n"
            "def cookie(request):\n    return request.COOKIES[settings.SESSION_COOKIE_NAME]\n"
        ),
    }
    trace = traced(git_repo, files, {
        "app/status.py": files["app/status.py"].replace("'blocked'", "'suspended'"),
        "app/settings.py": "SESSION_COOKIE_NAME = 'session_v2'\n",
    })  # fmt: skip
    assert {c.symbol for c in trace.changed} == {
        "app.status.Status", "app.status.Status.BLOCKED", "app.settings.SESSION_COOKIE_NAME",
    }  # fmt: skip
    found = values(trace)
    assert found[("app/users.py", 5)][:3] == ("app.users.block", "app.status.Status.BLOCKED", False)
    assert ("app/users.py", 9) not in found  # ``thing.BLOCKED``: not the enum's member
    assert found[("app/auth.py", 5)][1:3] == ("app.settings.SESSION_COOKIE_NAME", False)


def test_cli_json_value_edges_keep_the_contract(git_repo: GitRepo) -> None:
    copy = SHOP["shop/copy.py"].replace('"Spring sale"', json.dumps(SEVENTY))
    git_repo.commit("base", SHOP)
    git_repo.commit("copy change", {"shop/copy.py": copy})
    result = CliRunner().invoke(
        app, ["trace", "--repo", str(git_repo.path), "--base", "HEAD~1", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    edges = [e for e in json.loads(result.stdout)["edges"] if e["kind"] == "value"]
    keys = {"kind", "symbol", "path", "line", "target", "hops", "confidence", "possible"}
    assert edges and all(set(e) == keys for e in edges)


@pytest.mark.parametrize(
    ("path", "text", "kind", "limit"),
    [
        ("m.py", "class A(BaseModel):\n    title: constr(max_length=64)\n", "max length", 64),
        ("m.py", "class A(Model):\n    title = CharField(\n        max_length=64,\n    )\n",
         "max length", 64),
        ("m.py", "class S(Schema):\n    title = fields.Str(validate=validate.Length(max=64))\n",
         "max length", 64),
        ("m.py", "class T(Base):\n    title = Column(String(64), nullable=False)\n",
         "max length", 64),
        ("m.py", "class A(M):\n    title: Annotated[str, StringConstraints(max_length=64)]\n",
         "max length", 64),
        ("schema.json", '{"properties": {\n  "title": {"type": "string",\n    "maxLength": 64}\n}}',
         "max length", 64),
        ("db.sql", "CREATE TABLE banner (\n  title VARCHAR(64) NOT NULL\n);\n", "max length", 64),
        ("m.py", "class F(Form):\n    title = forms.CharField(validators=[RegexValidator('^a')])\n",
         "pattern", None),
        ("m.py", "class A(M):\n    title = models.CharField(choices=TITLES)\n", "choices", None),
        ("m.py", "class A(BaseModel):\n    @field_validator('title')\n    def check(cls, v): ...\n",
         "validator", None),
    ],
)  # fmt: skip
def test_validation_spellings(path: str, text: str, kind: str, limit: int | None) -> None:
    found = [(c.kind, c.limit) for c in constraints_in(path, text, "title")]
    assert (kind, limit) in found
    assert constraints_in(path, text.replace("title", "subtitle"), "title") == []
