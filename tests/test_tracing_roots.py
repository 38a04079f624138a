"""Module names as Python's import system gives them: one test per repository layout.

Each layout is a small repository whose change edits ``apply_discount``; the trace must
name the function as the code imports it and find the caller that imports it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewer.cli.main import app
from reviewer.context import build_local_context
from subagents.tracing.model import Trace
from subagents.tracing.query import trace_change
from subagents.tracing.source import GitTreeSource
from tests.conftest import GitRepo

PRICES = "def apply_discount(price, rate):\n    return price * (1 - rate)\n"
CHECKOUT = (
    "from {module} import apply_discount\n\n\ndef total(p):\n    return apply_discount(p, 0.1)\n"
)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "trace-cache"
    monkeypatch.setenv("REVIEWER_TRACE_CACHE_DIR", str(folder))
    return folder


def traced(repo: GitRepo, files: dict[str, str], prices: str) -> Trace:
    """Commit ``files``, then a change to ``apply_discount`` in ``prices``; trace it."""
    repo.commit("base", files)
    repo.commit("discount", {prices: PRICES.replace("1 - rate", "1 - rate / 100")})
    ctx = build_local_context(str(repo.path), "HEAD~1")
    return trace_change(GitTreeSource(repo.path, ctx.head_sha), ctx.files, cache=False)


def callers(trace: Trace) -> set[tuple[str, str, bool]]:
    return {(e.path, e.symbol, e.possible) for e in trace.edges if e.kind == "caller"}


def test_namespace_packages_through_the_cli(git_repo: GitRepo) -> None:
    """The issue's three-file application: no ``__init__.py`` anywhere."""
    git_repo.commit("base", {
        "app/prices.py": PRICES,
        "app/checkout.py": CHECKOUT.format(module="app.prices"),
        "README.md": "shop\n",
    })  # fmt: skip
    git_repo.commit("discount", {"app/prices.py": PRICES.replace("1 - rate", "1 - rate / 100")})
    result = CliRunner().invoke(
        app, ["trace", "--repo", str(git_repo.path), "--base", "HEAD~1", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["changed"] == [
        {"symbol": "app.prices.apply_discount", "path": "app/prices.py", "line": 1}
    ]
    caller = next(e for e in out["edges"] if e["kind"] == "caller")
    assert (caller["symbol"], caller["path"], caller["line"], caller["possible"]) == (
        "app.checkout.total", "app/checkout.py", 5, False,
    )  # fmt: skip


LAYOUTS = {
    # src layout, no configuration; a namespace folder inside the package (flask's sansio)
    "src layout": (
        {
            "src/shop/__init__.py": "",
            "src/shop/sansio/prices.py": PRICES,
            "src/shop/checkout.py": CHECKOUT.format(module=".sansio.prices"),
            "tests/test_shop.py": CHECKOUT.format(module="shop.sansio.prices"),
        },
        "src/shop/sansio/prices.py",
        "shop.sansio.prices",
        {"src/shop/checkout.py": "shop.checkout.total", "tests/test_shop.py": "test_shop.total"},
    ),
    "setuptools package-dir": (
        {
            "pyproject.toml": '[tool.setuptools]\npackage-dir = {"" = "lib"}\n',
            "lib/inventory/prices.py": PRICES,
            "lib/inventory/checkout.py": CHECKOUT.format(module="inventory.prices"),
        },
        "lib/inventory/prices.py",
        "inventory.prices",
        {"lib/inventory/checkout.py": "inventory.checkout.total"},
    ),
    "setuptools packages.find.where": (
        {
            "pyproject.toml": '[tool.setuptools.packages.find]\nwhere = ["code"]\n',
            "code/store/prices.py": PRICES,
            "code/store/checkout.py": CHECKOUT.format(module="store.prices"),
        },
        "code/store/prices.py",
        "store.prices",
        {"code/store/checkout.py": "store.checkout.total"},
    ),
    "hatch packages": (
        {
            "pyproject.toml": '[tool.hatch.build.targets.wheel]\npackages = ["python/billing"]\n',
            "python/billing/prices.py": PRICES,
            "python/billing/checkout.py": CHECKOUT.format(module="billing.prices"),
        },
        "python/billing/prices.py",
        "billing.prices",
        {"python/billing/checkout.py": "billing.checkout.total"},
    ),
    "poetry packages from": (
        {
            "pyproject.toml": (
                '[tool.poetry]\nname = "ledger"\n'
                'packages = [{include = "ledger", from = "source"}]\n'
            ),
            "source/ledger/prices.py": PRICES,
            "source/ledger/checkout.py": CHECKOUT.format(module="ledger.prices"),
        },
        "source/ledger/prices.py",
        "ledger.prices",
        {"source/ledger/checkout.py": "ledger.checkout.total"},
    ),
    "flit module": (
        {
            "pyproject.toml": (
                '[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n'
                '[project]\nname = "notes-app"\n'
            ),
            "src/notes_app/prices.py": PRICES,
            "src/notes_app/checkout.py": CHECKOUT.format(module="notes_app.prices"),
        },
        "src/notes_app/prices.py",
        "notes_app.prices",
        {"src/notes_app/checkout.py": "notes_app.checkout.total"},
    ),
    "setup.cfg package_dir": (
        {
            "setup.cfg": "[options]\npackage_dir =\n    =pysrc\npackages = find:\n",
            "pysrc/pricing/prices.py": PRICES,
            "pysrc/pricing/checkout.py": CHECKOUT.format(module="pricing.prices"),
        },
        "pysrc/pricing/prices.py",
        "pricing.prices",
        {"pysrc/pricing/checkout.py": "pricing.checkout.total"},
    ),
    # a monorepo: two projects, each with its own roots, one importing the other
    "monorepo": (
        {
            "services/core/pyproject.toml": "[project]\nname = 'core'\n",
            "services/core/src/core/__init__.py": "",
            "services/core/src/core/prices.py": PRICES,
            "services/web/pyproject.toml": "[tool.hatch.build]\nsources = ['app']\n",
            "services/web/app/web/checkout.py": CHECKOUT.format(module="core.prices"),
            "services/web/app/web/views.py": (
                "from .checkout import total\n\n\ndef page():\n    return total(3)\n"
            ),
        },
        "services/core/src/core/prices.py",
        "core.prices",
        {"services/web/app/web/checkout.py": "web.checkout.total"},
    ),
    # test roots: pytest puts tests/ (no __init__) on sys.path, and pythonpath adds more
    "test roots": (
        {
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["tools"]\n',
            "tools/prices.py": PRICES,
            "tests/helpers.py": CHECKOUT.format(module="prices"),
            "tests/test_total.py": (
                "from helpers import total\n\n\ndef test_total():\n    assert total(1)\n"
            ),
        },
        "tools/prices.py",
        "prices",
        {"tests/helpers.py": "helpers.total"},
    ),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_layout_names_and_callers(git_repo: GitRepo, layout: str) -> None:
    files, changed, module, expected = LAYOUTS[layout]
    trace = traced(git_repo, files, changed)
    assert [c.symbol for c in trace.changed] == [f"{module}.apply_discount"]
    found = {(path, symbol) for path, symbol, possible in callers(trace) if not possible}
    assert set(expected.items()) <= found


def test_second_hop_through_a_relative_import_in_a_monorepo(git_repo: GitRepo) -> None:
    files, changed, _, _ = LAYOUTS["monorepo"]
    trace = traced(git_repo, files, changed)
    hop2 = {(e.path, e.symbol) for e in trace.edges if e.kind == "caller" and e.hops == 2}
    assert ("services/web/app/web/views.py", "web.views.page") in hop2


def test_sys_path_edits_are_counted_not_followed(git_repo: GitRepo) -> None:
    trace = traced(git_repo, {
        "scripts/run.py": (
            "import sys\nsys.path.insert(0, 'lib')\nfrom prices import apply_discount\n\n"
            "apply_discount(1, 2)\n"
        ),
        "lib/prices.py": PRICES,
        "pyproject.toml": "[tool.setuptools\nbroken",
    }, "lib/prices.py")  # fmt: skip
    assert trace.omitted["unreadable project configuration files"] == 1
    assert trace.omitted["sys.path edits not followed"] == 1
