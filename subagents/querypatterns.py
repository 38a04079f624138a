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

# Guidance language name -> the tracer's grammar name.
QUERY_LANGUAGES = {"python": "python", "javascript": "javascript",
                   "typescript": "typescript", "go": "go", "java": "java"}  # fmt: skip


@functools.cache
def compile_query(language: str, source: str) -> ts.Query:
    return ts.Query(grammar(QUERY_LANGUAGES[language]), source)


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
    language = next((g for g, name in QUERY_LANGUAGES.items()
                     if g in languages and spec is not None and spec.name.startswith(name)),
                    None)  # fmt: skip
    if spec is None or language is None:
        return []
    compiled = compile_query(language, query)
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
