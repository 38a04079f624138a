"""Guidance rules written as tree-sitter queries, matched against the code a change adds.

A rule's ``query`` is an S-expression query for the languages it names; the capture
``@match`` (or a match's first capture) marks what to flag. Only added lines are parsed:
each run of consecutive added lines is dedented and parsed on its own, so a query sees the
new code without any extra reads of the repository (tree-sitter recovers from the partial
context), and a pattern that needs unchanged surrounding code does not fire.
"""

from __future__ import annotations

import functools
import textwrap

import tree_sitter as ts

from subagents.tracing.languages import grammar, language_for, parser

# Guidance language name -> the tracer's grammars that parse its files (a `typescript` rule
# also reads `.tsx`; JSX forms exist only in the `javascript` and `tsx` grammars).
QUERY_LANGUAGES: dict[str, tuple[str, ...]] = {
    "python": ("python",), "javascript": ("javascript",), "typescript": ("typescript", "tsx"),
    "go": ("go",), "java": ("java",),
}  # fmt: skip


@functools.cache
def compile_query(grammar_name: str, source: str) -> ts.Query:
    return ts.Query(grammar(grammar_name), source)


@functools.cache
def _usable(grammar_name: str, source: str) -> ts.Query | None:
    """The query for one grammar, or None when it names nodes that grammar lacks."""
    try:
        return compile_query(grammar_name, source)
    except Exception:
        return None


def check_query(language: str, source: str) -> None:
    """Raise when ``source`` compiles for none of the grammars of guidance ``language``."""
    errors: list[str] = []
    for name in QUERY_LANGUAGES[language]:
        try:
            compile_query(name, source)
            return
        except Exception as exc:
            errors.append(str(exc))
    raise ValueError("; ".join(errors))


def _runs(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    runs: list[list[tuple[int, str]]] = []
    for number, text in lines:
        if runs and runs[-1][-1][0] == number - 1:
            runs[-1].append((number, text))
        else:
            runs.append([(number, text)])
    return runs


def query_hits(
    path: str, query: str, languages: tuple[str, ...], added: list[tuple[int, str]]
) -> list[tuple[int, int]]:
    """(first line, last line) in the new file of each node the query flags."""
    spec = language_for(path)
    if spec is None or not any(spec.name in QUERY_LANGUAGES.get(g, ()) for g in languages):
        return []
    compiled = _usable(spec.name, query)
    if compiled is None:
        return []
    hits: list[tuple[int, int]] = []
    for run in _runs(added):
        text = textwrap.dedent("\n".join(line for _, line in run))
        tree = parser(spec.name).parse(text.encode("utf-8"))
        for _, captures in ts.QueryCursor(compiled).matches(tree.root_node):
            nodes = captures.get("match") or next(iter(captures.values()), [])
            for node in nodes:
                first = run[min(node.start_point[0], len(run) - 1)][0]
                last = run[min(node.end_point[0], len(run) - 1)][0]
                hits.append((first, last))
    return sorted(set(hits))
