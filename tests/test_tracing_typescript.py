"""TypeScript callers through the forms the language service resolves: the tree's own
packages, barrels, namespaces, annotated and inferred types, dispatch through a base.

Each test is a small repository traced through ``trace_symbol``, the CLI's entry point.
"""

from __future__ import annotations

import json

from subagents.tracing.query import trace_symbol
from subagents.tracing.source import GitTreeSource
from tests.conftest import GitRepo


def sure_callers(git_repo: GitRepo, files: dict[str, str], symbol: str) -> set[tuple[str, int]]:
    """The hop-1 caller sites of ``symbol`` that are not marked ``possible``."""
    git_repo.commit("ts", files)
    trace = trace_symbol(GitTreeSource(git_repo.path), symbol, cache=False)
    return {
        (e.path, e.line)
        for e in trace.edges
        if e.kind == "caller" and e.hops == 1 and not e.possible
    }


def test_workspace_package_through_exports_and_barrels(git_repo: GitRepo) -> None:
    """``import * as z from "lib/v2"`` names the tree's own package by its ``exports``
    (a source condition first; the build output is not committed), and the name passes
    through four barrel files before it reaches its definition."""
    manifest = {
        "name": "lib",
        "exports": {
            ".": {"source": "./src/index.ts", "import": "./dist/index.js"},
            "./v2": {"source": "./src/v2/index.ts", "import": "./dist/v2/index.js"},
        },
    }
    files = {
        "packages/lib/package.json": json.dumps(manifest),
        "packages/lib/src/v2/index.ts": 'export * from "./classic/index.js";\n',
        "packages/lib/src/v2/classic/index.ts": 'export * from "./external.js";\n',
        "packages/lib/src/v2/classic/external.ts": 'export * from "./schemas.js";\n',
        "packages/lib/src/v2/classic/schemas.ts": 'export * from "./impl.js";\n',
        "packages/lib/src/v2/classic/impl.ts": (
            "export function literal(v: string): string {\n  return v;\n}\n"
        ),
        "packages/lib/src/index.ts": 'export * from "./v2/index.js";\n',
        "packages/app/main.ts": (
            'import * as z from "lib/v2";\nimport { literal } from "lib";\n\n'
            'z.literal("a");\nliteral("b");\n'
        ),
    }
    found = sure_callers(git_repo, files, "packages.lib.src.v2.classic.impl.literal")
    assert found == {("packages/app/main.ts", 4), ("packages/app/main.ts", 5)}
