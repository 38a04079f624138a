"""Logic specialist: is the change correct (edge cases, error paths, contradictions)?

Correctness needs reasoning over the diff and its traced context, so there is no honest
deterministic part: without a model the report is ``skipped`` and the PR goes to a human.
"""

from __future__ import annotations

from subagents.base import DeterministicSubAgent

NAME = "logic"


class LogicAgent(DeterministicSubAgent):
    """Model-only specialist; ``check`` finds nothing, so the report says why it skipped."""

    name = NAME
    model_part = "correctness review (no deterministic part)"
