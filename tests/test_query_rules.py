"""Guidance rules written as tree-sitter queries: validation and matching on added code."""

from __future__ import annotations

import asyncio

import pytest

from reviewer.context import Author, ChangedFile, ReviewContext
from reviewer.guidance import GuidanceError, load_default_guidance, parse_guidance
from subagents.antipatterns import AntipatternsAgent

PATCH = """@@ -1,2 +1,9 @@
 import requests
+def fetch(url):
+    resp = requests.get(url)
+    ok = requests.post(url, json={}, timeout=5)
+    # requests.get(url) in a comment does not count
+    text = "requests.get(url) in a string does not count"
+    return requests.request(
+        "GET", url,
+    )
 x = 1"""


def ctx_with(patch: str, path: str = "app/client.py") -> ReviewContext:
    return ReviewContext(
        source="local", repo="r", title="Fetch", author=Author(login="ada"), base_ref="main",
        base_sha="0" * 40, head_sha="1" * 40,
        files=(ChangedFile(path=path, status="modified", additions=8, patch=patch),),
        guidance=load_default_guidance(),
    )  # fmt: skip


def test_query_rule_flags_real_calls_only():
    report = asyncio.run(AntipatternsAgent().run(ctx_with(PATCH), None))
    hits = [(f.start_line, f.end_line) for f in report.findings
            if f.rule_ids == ["py.requests-without-timeout"]]  # fmt: skip
    assert hits == [(3, 3), (7, 9)]


def test_query_rule_ignores_other_languages():
    report = asyncio.run(AntipatternsAgent().run(ctx_with(PATCH, "app/client.js"), None))
    assert not [f for f in report.findings if f.rule_ids == ["py.requests-without-timeout"]]


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("query: '(call) @match'\n", "needs languages"),
        ("languages: [python]\nquery: '(no_such_node) @match'\n", "does not compile for python"),
    ],
)
def test_bad_queries_are_rejected_with_the_reason(front, message):
    text = f"---\nid: team.q\ntitle: Q\n{front}---\nProse.\n"
    with pytest.raises(GuidanceError, match=message):
        parse_guidance(text, ".github/reviewer/q.md")
