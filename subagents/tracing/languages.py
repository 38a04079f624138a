"""Which languages the tracer reads, and their grammars and queries, loaded once.

Grammars come from pinned per-language wheels (``tree-sitter-python`` and friends), so
nothing is downloaded at run time. A language's ``family`` is the set of files that can
call each other (TypeScript calls JavaScript), which bounds candidate searches.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

import tree_sitter as ts


@dataclass(frozen=True)
class LanguageSpec:
    """How one language is parsed and how its names behave at resolution time."""

    name: str
    family: str
    extensions: tuple[str, ...]
    queries: tuple[str, ...]
    loader: Callable[[], Any]
    self_names: frozenset[str] = frozenset()
    super_names: frozenset[str] = frozenset()
    # Go and Java see every top-level name of the files in the same directory.
    package_scope: bool = False
    module_separator: str = "."
    # A call through a base class's or interface's declaration of a method (often
    # abstract) is a call of each override or implementation, as the language's own
    # tooling reports it (TypeScript's language service, gopls; not Python's checkers).
    dispatch_through_base: bool = False


def _python() -> Any:
    import tree_sitter_python

    return tree_sitter_python.language()


def _javascript() -> Any:
    import tree_sitter_javascript

    return tree_sitter_javascript.language()


def _typescript() -> Any:
    import tree_sitter_typescript

    return tree_sitter_typescript.language_typescript()


def _tsx() -> Any:
    import tree_sitter_typescript

    return tree_sitter_typescript.language_tsx()


def _go() -> Any:
    import tree_sitter_go

    return tree_sitter_go.language()


def _java() -> Any:
    import tree_sitter_java

    return tree_sitter_java.language()


_JS_SELF = frozenset({"this"})
_JS_SUPER = frozenset({"super"})
SPECS: dict[str, LanguageSpec] = {
    spec.name: spec
    for spec in (
        LanguageSpec(
            "python", "python", (".py", ".pyi"), ("python.scm",), _python,
            frozenset({"self", "cls"}), frozenset({"super()"}),
        ),
        LanguageSpec(
            "javascript", "js", (".js", ".jsx", ".mjs", ".cjs"),
            ("javascript.scm", "ecmascript.scm", "jsx.scm"), _javascript, _JS_SELF, _JS_SUPER,
        ),
        LanguageSpec(
            "typescript", "js", (".ts", ".mts", ".cts"), ("javascript.scm", "typescript.scm"),
            _typescript, _JS_SELF, _JS_SUPER, dispatch_through_base=True,
        ),
        LanguageSpec(
            "tsx", "js", (".tsx",), ("javascript.scm", "typescript.scm", "jsx.scm"), _tsx,
            _JS_SELF, _JS_SUPER, dispatch_through_base=True,
        ),
        LanguageSpec(
            "go", "go", (".go",), ("go.scm",), _go, package_scope=True,
            dispatch_through_base=True,
        ),
        LanguageSpec(
            "java", "java", (".java",), ("java.scm",), _java, frozenset({"this"}),
            frozenset({"super"}), package_scope=True,
        ),
    )
}  # fmt: skip
_BY_EXTENSION = {ext: spec for spec in SPECS.values() for ext in spec.extensions}


def language_for(path: str) -> LanguageSpec | None:
    """The language of ``path`` by extension, or None when the tracer cannot read it."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return _BY_EXTENSION.get(name[dot:].lower()) if dot > 0 else None


def family_globs(family: str) -> list[str]:
    """Pathspecs (``*.py``) for every extension of a family, for ``git grep``."""
    return [
        f"*{ext}" for spec in SPECS.values() if spec.family == family for ext in spec.extensions
    ]


@functools.cache
def grammar(name: str) -> ts.Language:
    return ts.Language(SPECS[name].loader())


@functools.cache
def parser(name: str) -> ts.Parser:
    return ts.Parser(grammar(name))


@functools.cache
def query(name: str) -> ts.Query:
    """The language's queries: every ``.scm`` it lists, concatenated and compiled once."""
    folder = resources.files("subagents.tracing") / "queries"
    text = "\n".join((folder / file).read_text("utf-8") for file in SPECS[name].queries)
    return ts.Query(grammar(name), text)


def is_test_path(path: str) -> bool:
    """Tests rank below source when a budget forces a choice."""
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else ""
    return (
        any(p in {"tests", "test", "testing", "__tests__", "spec"} for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith(("_test.py", "_test.go", "Test.java", "Tests.java"))
        or ".test." in name
        or ".spec." in name
    )
