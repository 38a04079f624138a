"""Text for people is shortened at word boundaries, never in the middle of a word."""

from __future__ import annotations

import pytest

from reviewer.text import shorten


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("skipped: no model configured", 40, "skipped: no model configured"),
        ("skipped: no model configured", 24, "skipped: no model…"),
        ("skipped: no model configured", 18, "skipped: no model…"),
        ("skipped: no model configured", 17, "skipped: no…"),
        ("a  line\nwith   breaks", 40, "a line with breaks"),
        ("unbreakable" * 5, 10, "unbreakab…"),
    ],
)
def test_shorten_cuts_between_words(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit
