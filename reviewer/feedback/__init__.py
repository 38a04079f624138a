"""Feedback: what engineers think of our comments, traced to the rule that produced them.

GitHub sends no webhook for reactions, so :func:`poll` reads the reactions on the comments
we posted (recorded by :func:`record_published` when a review is published) with
ETag-conditional requests: an unchanged list answers 304 Not Modified, which GitHub does
not count against the rate limit. Recently active PRs are polled more often than old ones;
a PR closed for ``feedback_stop_after_close_days`` (14) is no longer polled.

Signals (``FeedbackRating.signal``):

- ``reaction``: +1 is helpful, -1 unhelpful (other reactions are ignored); strong.
  A reaction that disappears is retracted.
- ``command``: ``/reviewer feedback <finding-id> helpful|unhelpful "reason"``; strong.
- ``reply``: a human replied to our inline comment; weak and neutral.
- ``resolved``: a human resolved the thread of our inline comment; weak, helpful.

Only strong signals enter the helpful rate. The unit is the finding (repo, fingerprint):
each user's latest strong rating counts once; a finding is helpful when more of its raters
found it helpful than not (ties count as rated but enter neither side). Every new rating
and every retraction is appended to the audit log as a ``feedback`` entry.
"""

from reviewer.feedback.common import (
    DAY,
    FINDING_MARKER,
    INTERVALS,
    NO_RULE,
    OLD_INTERVAL,
    REACTIONS,
    SUMMARY,
)
from reviewer.feedback.poll import PollResult, due_pulls, next_interval, poll
from reviewer.feedback.record import (
    find_comment,
    posted_before,
    publish_and_record,
    record_published,
    record_rating,
    retract,
    thread_resolved,
)
from reviewer.feedback.report import (
    FeedbackReport,
    Row,
    demote_flagged,
    demoted_rules,
    is_demoted,
    report,
    update_metrics,
    wilson,
)
from reviewer.feedback.scheduler import client_factory, poll_cycle, start_poller

__all__ = [
    "DAY",
    "FINDING_MARKER",
    "INTERVALS",
    "NO_RULE",
    "OLD_INTERVAL",
    "REACTIONS",
    "SUMMARY",
    "FeedbackReport",
    "PollResult",
    "Row",
    "client_factory",
    "demote_flagged",
    "demoted_rules",
    "due_pulls",
    "find_comment",
    "is_demoted",
    "next_interval",
    "poll",
    "poll_cycle",
    "posted_before",
    "publish_and_record",
    "record_published",
    "record_rating",
    "report",
    "retract",
    "start_poller",
    "thread_resolved",
    "update_metrics",
    "wilson",
]
