"""Constants and time helpers shared by recording, polling and reporting feedback."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

FINDING_MARKER = re.compile(r"<sub>finding ([0-9A-Za-z_:-]+)</sub>")
HELPFUL, UNHELPFUL, NEUTRAL = "helpful", "unhelpful", "neutral"
REACTIONS = {"+1": HELPFUL, "-1": UNHELPFUL}
SUMMARY = "(summary)"
NO_RULE = "(no rule)"
DAY = 86_400.0

# Poll intervals by how long ago the PR last saw activity (seconds since, interval).
INTERVALS: tuple[tuple[float, float], ...] = ((DAY, 900.0), (7 * DAY, 7200.0))
OLD_INTERVAL = 43_200.0

Signal = Literal["reaction", "command", "reply", "resolved"]


def timestamp(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def as_datetime(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


# --------------------------------------------------------------------------- recording
