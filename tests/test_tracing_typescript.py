"""TypeScript callers through the forms the language service resolves: the tree's own
packages, barrels, namespaces, annotated and inferred types, dispatch through a base.

Each test is a small repository traced through ``trace_symbol``, the CLI's entry point.
"""

from __future__ import annotations

import json

from subagents.tracing.facts import extract
from subagents.tracing.query import trace_symbol
from subagents.tracing.source import GitTreeSource
from tests.conftest import GitRepo


def sure_callers(git_repo: GitRepo, files: dict[str, str], symbol: str) -> set[tuple[str, int]]:
    """The hop-1 caller sites of ``symbol`` that are not marked ``possible`` (``files``
    committed first, if any)."""
    if files:
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


def test_namespace_members(git_repo: GitRepo) -> None:
    """``namespace util { export function f() }`` defines ``util.f``: reached as
    ``util.f()`` from an importer and as ``f()`` from inside the namespace."""
    files = {
        "src/util.ts": (
            "export namespace util {\n"
            "  export function assertEqual(a: number, b: number): void {}\n"
            "  export function check(a: number): void {\n    assertEqual(a, 1);\n  }\n}\n"
        ),
        "src/use.ts": (
            'import { util } from "./util.js";\n\nexport function run(): void {\n'
            "  util.assertEqual(1, 2);\n}\n"
        ),
    }
    found = sure_callers(git_repo, files, "src.util.util.assertEqual")
    assert found == {("src/use.ts", 4), ("src/util.ts", 4)}


def test_one_long_line_does_not_make_a_test_file_minified(git_repo: GitRepo) -> None:
    """A 25 KB test with one 9,000-character fixture line is read; a bundle whose bytes
    sit mostly on long lines is still refused, whatever its short lines."""
    body = "".join(
        f'test("accepts the string of case number {i} as it is written", () => {{\n'
        f'  check("{i}");\n}});\n'
        for i in range(200)
    )
    test_file = (
        'import { check } from "../src/check.js";\n\n'
        f'const FIXTURE = "{"x" * 9000}";\n\n{body}check(FIXTURE);\n'
    )
    bundle = "// banner\n" * 1000 + ("var a=function(){return 1};" * 100 + "\n") * 10
    files = {
        "src/check.ts": "export function check(s: string): boolean {\n  return !!s;\n}\n",
        "tests/check.test.ts": test_file,
        "dist/bundle.js": bundle,
    }
    assert len(test_file) > 20_000
    found = sure_callers(git_repo, files, "src.check.check")
    assert ("tests/check.test.ts", 4 + 200 * 3 + 1) in found
    assert len(found) == 201
    assert extract("javascript", bundle.encode()).skip == "minified"


SCHEMAS = (
    "export class Schema {\n"  # 1
    "  min(n: number): this {\n    return this;\n  }\n"  # 2-4
    "  parse(v: unknown): unknown {\n    return v;\n  }\n"  # 5-7
    "}\n"  # 8
    "export class Text extends Schema {\n"  # 9
    "  static create = (): Text => {\n    return new Text();\n  };\n"  # 10-12
    "  email(): Text {\n    return this;\n  }\n"  # 13-15
    "  get shape(): Shape {\n    return new Shape();\n  }\n"  # 16-18
    "}\n"  # 19
    "export class Num extends Schema {\n  int(): Num {\n    return this;\n  }\n}\n"  # 20-24
    "export class Shape {\n  keys(): string[] {\n    return [];\n  }\n}\n"  # 25-29
    "const textType = Text.create;\n"  # 30
    "export { textType as text };\n"  # 31
    "export function num(): Num {\n  return new Num();\n}\n"  # 32-34
)


def test_result_types_along_a_chain(git_repo: GitRepo) -> None:
    """``s.text().min(1).email()``: a value re-exported under another name, a static
    factory's annotated result, ``: this``, and a getter read as an attribute."""
    files = {
        "src/schemas.ts": SCHEMAS,
        "src/index.ts": 'export * as s from "./schemas.js";\n',
        "src/use.ts": (
            'import { s } from "./index.js";\n\n'
            "s.text().min(1).email();\n"  # 3
            "s.text().shape.keys();\n"  # 4
            "s.num().min(2).int();\n"  # 5
        ),
    }
    git_repo.commit("ts", files)
    assert sure_callers(git_repo, {}, "src.schemas.Text.email") == {("src/use.ts", 3)}
    assert sure_callers(git_repo, {}, "src.schemas.Shape.keys") == {("src/use.ts", 4)}
    assert sure_callers(git_repo, {}, "src.schemas.Num.int") == {("src/use.ts", 5)}


def test_types_from_annotations_and_assignments(git_repo: GitRepo) -> None:
    """Parameters typed ``Foo<T>`` and ``ns.Foo``, a class field's type read through
    ``this``, and a local holding a call's result."""
    files = {
        "src/schemas.ts": SCHEMAS,
        "src/use.ts": (
            'import * as ns from "./schemas.js";\nimport { Text, num } from "./schemas.js";\n\n'
            "type Wrapped<T> = T;\n"  # 4
            "export function a(x: Wrapped<Text>, y: ns.Num): void {\n"  # 5
            "  y.int();\n}\n"  # 6-7
            "export class Holder {\n  private n: ns.Num = num();\n"  # 8-9
            "  run(): void {\n    this.n.int();\n"  # 10-11
            "    const m = num();\n    m.int();\n  }\n}\n"  # 12-15
        ),
    }
    assert sure_callers(git_repo, files, "src.schemas.Num.int") == {
        ("src/use.ts", 6),
        ("src/use.ts", 11),
        ("src/use.ts", 13),
    }


def test_locals_of_callbacks_hold_only_inside_them(git_repo: GitRepo) -> None:
    """Two test callbacks bind ``schema`` to different types: each call resolves by the
    binding of its own callback, not the first one in the file."""
    files = {
        "src/schemas.ts": SCHEMAS,
        "tests/a.test.ts": (
            'import { text, num } from "../src/schemas.js";\n\n'
            'test("text", () => {\n  const schema = text();\n  schema.email();\n});\n'  # 3-6
            'test("num", () => {\n  const schema = num();\n  schema.int();\n});\n'  # 7-10
        ),
    }
    assert sure_callers(git_repo, files, "src.schemas.Num.int") == {("tests/a.test.ts", 9)}


def test_calls_through_the_base_declaration_reach_overrides(git_repo: GitRepo) -> None:
    """``this._parse()`` in the abstract base and ``s._parse()`` on a value typed by an
    alias of the base both dispatch to ``Text._parse``, as the language service reports;
    a call on an unrelated class does not."""
    files = {
        "src/base.ts": (
            "export abstract class Base<T> {\n"  # 1
            "  abstract _parse(v: unknown): T;\n"  # 2
            "  parse(v: unknown): T {\n    return this._parse(v);\n  }\n"  # 3-5
            "}\n"  # 6
            "export type AnyBase = Base<any>;\n"  # 7
            "export class Text extends Base<string> {\n"  # 8
            "  _parse(v: unknown): string {\n    return String(v);\n  }\n"  # 9-11
            "  only(): void {}\n"  # 12
            "}\n"  # 13
            "export class Other {\n  _parse(v: unknown): number {\n    return 1;\n  }\n}\n"  # 14-18
        ),
        "src/use.ts": (
            'import { AnyBase, Other } from "./base.js";\n\n'
            "export function run(s: AnyBase, o: Other): void {\n"  # 3
            "  s._parse(1);\n  o._parse(2);\n"  # 4-5
            "  s.only();\n}\n"  # 6-7: the base declares no ``only``: a narrowed call
        ),
    }
    found = sure_callers(git_repo, files, "src.base.Text._parse")
    assert found == {("src/base.ts", 4), ("src/use.ts", 4)}
    assert sure_callers(git_repo, {}, "src.base.Text.only") == set()


def test_callers_through_names_it_is_exported_as(git_repo: GitRepo) -> None:
    """``Text.create`` is bound to ``textType`` and exported as ``text``; ``_check`` is
    re-exported as ``check``: calls under the other names are its callers, though they
    never mention its own name."""
    files = {
        "src/schemas.ts": SCHEMAS + "export function _check(): void {}\n",  # 35
        "src/checks.ts": 'export { _check as check } from "./schemas.js";\n',
        "src/use.ts": (
            'import { text } from "./schemas.js";\nimport * as checks from "./checks.js";\n\n'
            "text();\n"  # 4
            "checks.check();\n"  # 5
        ),
    }
    assert sure_callers(git_repo, files, "src.schemas.Text.create") == {
        ("src/schemas.ts", 30),  # the reference that binds it
        ("src/use.ts", 4),
    }
    assert sure_callers(git_repo, {}, "src.schemas._check") == {("src/use.ts", 5)}
