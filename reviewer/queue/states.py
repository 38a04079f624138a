"""Job kinds and states: plain enums, apart from the pydantic models of ``base`` so that the
CLI can offer them as choices without loading pydantic at start-up."""

from __future__ import annotations

from enum import StrEnum


class JobKind(StrEnum):
    review = "review"
    command_review = "command_review"
    command_human = "command_human"
    command_explain = "command_explain"
    gate = "gate"  # re-evaluate the merge gate after a human review
    outcome = "outcome"  # record a merge (and a revert it performs)
    feedback = "feedback"  # a /reviewer feedback command or a resolved review thread
    command_dismiss = "command_dismiss"  # /reviewer dismiss <finding-id>: a held finding
    rerun = "rerun"  # "Re-run" on GitHub for a head whose PR the event does not name (forks)


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    cancelled = "cancelled"
    dead = "dead"
