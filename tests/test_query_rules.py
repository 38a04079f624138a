"""Guidance rules written as tree-sitter queries: validation and matching on added code."""

from __future__ import annotations

import asyncio

import pytest

from reviewer.context import Author, ChangedFile, ReviewContext
from reviewer.guidance.rules import GuidanceError, load_default_guidance, parse_guidance
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
    [hit] = [f for f in report.findings if f.rule_ids == ["py.requests-without-timeout"]]
    assert (hit.start_line, hit.end_line) == (3, 3)
    assert hit.body.endswith("Also on lines 7-9.")  # a minor rule: one comment per file


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


def _patch(lines: list[str]) -> str:
    return f"@@ -1,1 +1,{len(lines) + 1} @@\n x = 1\n" + "\n".join(f"+{line}" for line in lines)


def rule_hits(rule_id: str, path: str, lines: list[str]) -> list[int]:
    report = asyncio.run(AntipatternsAgent().run(ctx_with(_patch(lines), path), None))
    return [f.start_line for f in report.findings if f.rule_ids == [rule_id]]


JS_DOM = [
    "el.innerHTML = html;",
    'el.innerHTML = "<b>fixed</b>";',
    "el.innerHTML += `<li>${item}</li>`;",
    "el.outerHTML = `<hr>`;",
    'node.insertAdjacentHTML("beforeend", markup);',
    'document.write("<p>ok</p>");',
    "document.write(banner);",
    "process.stderr.write(`${count} done`);",
    'const s = "el.innerHTML = x";',
    "// el.innerHTML = x",
]


@pytest.mark.parametrize("path", ["web/app.js", "web/app.ts", "web/App.tsx", "web/App.jsx"])
def test_html_from_data_is_flagged_but_fixed_markup_strings_and_comments_are_not(path):
    assert rule_hits("js.inner-html", path, JS_DOM) == [2, 4, 6, 8]


@pytest.mark.parametrize("path", ["web/Comment.jsx", "web/Comment.tsx", "web/comment.js"])
def test_dangerously_set_inner_html_in_jsx_and_create_element(path):
    lines = [
        "const A = () => <div dangerouslySetInnerHTML={{ __html: c }} />;",
        "const B = () => <div title={c} />;",
        'React.createElement("div", { dangerouslySetInnerHTML: { __html: c } });',
    ]
    assert rule_hits("js.dangerously-set-inner-html", path, lines) == [2, 4]


def test_commands_through_a_shell_are_flagged_argument_arrays_and_regex_exec_are_not():
    lines = [
        "exec(`git log ${branch}`);",
        'child_process.execSync("ls " + dir);',
        'execFile("git", ["log", branch]);',
        'spawn("ls", args, { shell: true });',
        'spawn("ls", args, { shell: false });',
        "const m = pattern.exec(text);",
    ]
    assert rule_hits("js.child-process-shell", "server/run.ts", lines) == [2, 3, 5]


def test_js_security_rules_stay_out_of_test_files():
    assert rule_hits("js.inner-html", "web/__tests__/app.test.js", JS_DOM) == []
    assert rule_hits("js.child-process-shell", "test/run.js", ["exec(cmd);"]) == []


def test_install_scripts_in_package_json_are_flagged():
    lines = ['  "scripts": {', '    "postinstall": "node x.js",', '    "build": "tsc"', "  },"]
    assert rule_hits("js.install-script", "package.json", lines) == [3]
    assert rule_hits("js.install-script", "docs/notes.md", lines) == []


@pytest.mark.parametrize("path", ["tests/test_client.py", "pkg/tests/helpers.py", "conftest.py"])
def test_requests_timeout_rule_leaves_tests_alone(path):
    """Tests call the code under test against local servers; a timeout there is noise."""
    report = asyncio.run(AntipatternsAgent().run(ctx_with(PATCH, path), None))
    assert not [f for f in report.findings if f.rule_ids == ["py.requests-without-timeout"]]


def test_explicit_any_is_left_alone_in_typescript_tests():
    patch = "@@ -1,1 +1,2 @@\n const a = 1\n+const bad = input as any;"
    found = {
        path: [f for f in asyncio.run(AntipatternsAgent().run(ctx_with(patch, path), None)).findings
               if f.rule_ids == ["ts.explicit-any"]]
        for path in ("src/parse.ts", "src/tests/parse.test.ts")
    }  # fmt: skip
    assert found["src/parse.ts"] and not found["src/tests/parse.test.ts"]
