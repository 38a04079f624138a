"""The fair scheduler shared by both queue backends: which installation goes next.

procrastinate (like most job queues) hands out jobs in priority-then-id order, so one
installation's burst of 500 jobs would run before anybody else's first. Before each claim
we order the installations that have runnable work:

1. fewest jobs running now first (so every installation gets a worker before any gets two),
2. then the one whose last job started longest ago (round-robin),

and skip installations at their concurrency cap. Under backpressure (more than
``max_depth`` jobs queued) an installation holding more than its share of the queue
(``max_depth / installations with work``) is capped at one running job: its work waits,
nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping

NO_INSTALLATION = 0  # key for jobs without an installation id


def fair_order(
    queued: Mapping[int, int],
    running: Mapping[int, int],
    last_started: Mapping[int, float],
    *,
    cap: int,
    max_depth: int,
    total_queued: int | None = None,
) -> list[int]:
    """Installations with runnable work, best first, leaving out those at their cap."""
    total = sum(queued.values()) if total_queued is None else total_queued

    def limit(inst: int) -> int:
        return installation_limit(queued[inst], len(queued), total, cap=cap, max_depth=max_depth)

    eligible = [inst for inst in queued if running.get(inst, 0) < limit(inst)]
    return sorted(
        eligible,
        key=lambda inst: (running.get(inst, 0), last_started.get(inst, float("-inf")), inst),
    )


def installation_limit(
    queued: int, installations: int, total_queued: int, *, cap: int, max_depth: int
) -> int:
    """How many jobs of one installation may run at once right now."""
    if total_queued > max_depth and queued > max_depth / max(installations, 1):
        return 1
    return cap
