"""The Python tracer: query snapshots, resolution and confidence, ranking and rendering."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.context import build_local_context
from subagents.tracing.cache import FactCache
from subagents.tracing.encoding import decode, encode
from subagents.tracing.facts import FileFacts, extract
from subagents.tracing.query import touched_lines, trace_change, trace_symbol
from subagents.tracing.render import render_trace
from subagents.tracing.source import GitTreeSource
from tests.conftest import GitRepo


def snapshot(facts: FileFacts) -> list[str]:
    rows = [
        f"def {d.kind} {d.qname}@{d.line} bases={list(d.bases)} deco={list(d.decorators)}"
        for d in facts.defs
    ]
    rows += [f"ref {r.form} {r.receiver or '-'}.{r.name} in {r.scope}@{r.line}" for r in facts.refs]
    rows += [f"import {i.module}:{i.name}:{i.alias}:{i.star}@{i.line}" for i in facts.imports]
    rows += [f"bind {b.scope} {b.var}:{b.type}" for b in facts.binds]
    return rows


def test_python_query_snapshot() -> None:
    source = b"""from ..core import helper as h, other
import pkg.util as pu
from .mod import *

@register
class Client(Base, pkg.Mixin, metaclass=Meta):
    @property
    def name(self, s: Session):
        with Session() as sess:
            self.conn = Conn()
            sess.get(h, cb=pu.fn)
            return super().name
"""
    assert snapshot(extract("python", source)) == [
        "def class Client@6 bases=['Base', 'pkg.Mixin'] deco=['register']",
        "def method Client.name@8 bases=[] deco=['property']",
        "ref decorator -.register in None@5",
        "ref value -.Base in Client@6",
        "ref value -.Meta in Client@6",
        "ref attribute pkg.Mixin in Client@6",
        "ref decorator -.property in Client@7",
        "ref call -.Session in Client.name@9",
        "ref call -.Conn in Client.name@10",
        "ref attribute self.conn in Client.name@10",
        "ref attribute pu.fn in Client.name@11",
        "ref call sess.get in Client.name@11",
        "ref value -.h in Client.name@11",
        "ref attribute super().name in Client.name@12",
        "ref call -.super in Client.name@12",
        "import ..core:helper:h:False@1",
        "import ..core:other:None:False@1",
        "import pkg.util:None:pu:False@2",
        "import .mod:None:None:True@3",
        "bind Client.name self:",
        "bind Client.name s:Session",
        "bind Client.name sess:Session",
        "bind Client.name self.conn:Conn",
        "bind Client.name return:value:super().name",
    ]


def test_facts_round_trip_through_cache_rows() -> None:
    facts = extract(
        "python", b"import os\nclass A(B):\n    def f(self):\n        os.path.join(1)\n"
    )
    assert decode(encode(facts)) == facts
    assert decode(encode(facts), whole=False) == facts.head()


def test_touched_lines_cover_additions_and_deletion_points() -> None:
    patch = "@@ -3,4 +3,4 @@ def f():\n a\n-b\n+c\n d\n-e\n"
    assert touched_lines(patch) == {3, 4, 5, 6}  # a deletion touches both neighbours


LIB = {
    "lib/__init__.py": "from .api import fetch\n",
    "lib/api.py": (
        "from . import sessions\n\n\n"
        "def fetch(url):\n    return send('get', url)\n\n\n"
        "def send(method, url):\n"
        "    with sessions.Session() as session:\n"
        "        return session.send(method, url)\n"
    ),
    "lib/sessions.py": (
        "class Base:\n    def send(self, method, url):\n        raise NotImplementedError\n\n\n"
        "class Session(Base):\n"
        "    def __enter__(self):\n        return self\n\n"
        "    def send(self, method, url):\n        return self.prepare(method)\n\n"
        "    def prepare(self, m):\n        return m\n\n\n"
        "class Retrying(Session):\n"
        "    def send(self, method, url):\n        return super().send(method, url)\n"
    ),
    "lib/other.py": (
        "class Mailer:\n    def send(self, to):\n        return to\n\n\n"
        "def notify(m: Mailer):\n    m.send('x')\n    Mailer().send('y')\n"
    ),
    "tests/test_api.py": (
        "import lib\nfrom lib.sessions import Session\n\n\n"
        "def test_fetch():\n    assert lib.fetch('u')\n\n\n"
        "def test_send(thing):\n    s = Session()\n    s.send('get', 'u')\n    thing.send('?')\n"
    ),
}


@pytest.fixture
def lib_repo(git_repo: GitRepo) -> GitRepo:
    git_repo.commit("base", LIB)
    changed = LIB["lib/sessions.py"].replace(
        "return self.prepare(method)", "return self.prepare(method.upper())"
    )
    git_repo.commit("upper-case methods", {"lib/sessions.py": changed})
    return git_repo


def edges(trace, kind: str) -> dict[tuple[str, int], tuple[str, float, int]]:
    return {
        (e.path, e.line): (e.symbol, e.confidence, e.hops) for e in trace.edges if e.kind == kind
    }


def test_change_traces_callers_callees_and_overriders(lib_repo: GitRepo, tmp_path: Path) -> None:
    source = GitTreeSource(lib_repo.path, "HEAD")
    from reviewer.context import build_local_context

    ctx = build_local_context(str(lib_repo.path), "HEAD~1")
    trace = trace_change(source, ctx.files, FactCache(tmp_path / "cache"))
    assert [c.symbol for c in trace.changed] == ["lib.sessions.Session.send"]
    callers = edges(trace, "caller")
    assert callers[("lib/api.py", 10)] == ("lib.api.send", 0.85, 1)  # with-target type
    assert callers[("lib/sessions.py", 19)][1:] == (0.9, 1)  # super() from the subclass
    assert callers[("tests/test_api.py", 11)] == ("test_api.test_send", 0.85, 1)
    assert ("tests/test_api.py", 12) not in callers  # unknown receiver, a common name:
    assert trace.omitted["name-only matches not listed"] >= 1  # counted, not listed
    assert callers[("lib/api.py", 5)] == ("lib.api.fetch", 0.765, 2)  # second hop
    assert ("lib/other.py", 7) not in callers and ("lib/other.py", 8) not in callers
    assert edges(trace, "callee") == {
        ("lib/sessions.py", 13): ("lib.sessions.Session.prepare", 0.9, 1)
    }
    assert edges(trace, "overrider") == {
        ("lib/sessions.py", 18): ("lib.sessions.Retrying.send", 0.9, 1)
    }
    assert all(e.possible == (e.confidence < 0.5) for e in trace.edges)


def test_symbol_mode_follows_reexports_and_marks_name_only_possible(lib_repo: GitRepo) -> None:
    trace = trace_symbol(GitTreeSource(lib_repo.path), "lib.api.fetch", cache=False)
    callers = edges(trace, "caller")
    assert callers == {("tests/test_api.py", 6): ("test_api.test_fetch", 0.9, 1)}
    assert edges(trace, "callee")[("lib/api.py", 8)][0] == "lib.api.send"


def test_rendering_respects_budget_and_counts_the_rest(lib_repo: GitRepo) -> None:
    trace = trace_symbol(GitTreeSource(lib_repo.path), "lib.sessions.Session.send", cache=False)
    full = render_trace(trace, 5000)
    assert "def send(method, url):" in full and "  10>         return session.send" in full
    small = render_trace(trace, 60)
    assert len(small) < len(full) and "more callers of `send`" in small


def test_time_budget_stops_reading_callers_and_counts_them(
    lib_repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVIEWER_TRACE_TIME_BUDGET_SECONDS", "0")
    ctx = build_local_context(str(lib_repo.path), "HEAD~1")
    trace = trace_change(GitTreeSource(lib_repo.path, ctx.head_sha), ctx.files,
                         FactCache(tmp_path / "cache"))  # fmt: skip
    assert trace.omitted["candidate files over the time budget"] > 0
    assert edges(trace, "caller") == {}


def test_package_exports_load_lazily() -> None:
    import subagents.tracing as tracing

    assert set(tracing.__all__) == set(tracing._WHERE)
    assert all(getattr(tracing, name) is not None for name in tracing.__all__)
    check = (
        "import sys, subagents.tracing.encoding; "
        "sys.exit('subagents.tracing.agent' in sys.modules or 'reviewer.llm' in sys.modules)"
    )
    # what a parsing worker imports must not drag in the agent and model layers
    assert subprocess.run([sys.executable, "-c", check], timeout=60).returncode == 0
