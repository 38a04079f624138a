"""Guidance files: frontmatter validation and exclude globs."""

from __future__ import annotations

import pytest

from reviewer.guidance.rules import GuidanceError, parse_guidance

DOC = """---
id: team
applies_to: ["**/*.py"]
exclude: ["vendor/**"]
rules:
  - id: team.no-print
    title: No print
    pattern: '^\\s*print\\('
    exclude: ["tests/**"]
---
Prose for the model.
"""


def test_doc_and_rule_excludes():
    doc = parse_guidance(DOC, ".github/reviewer/team.md")
    assert doc.applies("app/x.py") and not doc.applies("vendor/x.py")
    assert not doc.applies("app/x.js")
    rule = doc.rules[0]
    assert rule.applies("app/x.py") and not rule.applies("tests/test_x.py")
    assert doc.body == "Prose for the model."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nid: x\nrules: [{id: r, title: t, pattern: '('}]\n---\n", "does not compile"),
        ("---\nid: x\nrulez: []\n---\n", "rulez"),
        ("---\nid: [\n---\n", "not YAML"),
        ("---\nid: x\n", "never ends"),
    ],
)
def test_bad_frontmatter_names_file_and_field(text, message):
    with pytest.raises(GuidanceError, match=message) as err:
        parse_guidance(text, ".github/reviewer/bad.md")
    assert ".github/reviewer/bad.md" in str(err.value)
