"""The per-review budget in dollars and tokens, shared by the panel's concurrent calls.

Each call reserves its worst case (its estimated prompt, all of it uncached, plus its
full output allowance) before it is sent, and settles to the real usage afterwards. A
call whose reservation would overrun the budget is not made: the sub-agent's model part
is ``skipped`` with that reason. So the review never spends more than the limit, even
when six calls start at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count


class BudgetExhausted(Exception):
    """The next call could overrun the review's budget; it was not made."""


@dataclass
class Budget:
    max_usd: Decimal
    max_tokens: int
    spent_usd: Decimal = Decimal("0")
    spent_tokens: int = 0
    _held: dict[int, tuple[Decimal, int]] = field(default_factory=dict)
    _ids: count[int] = field(default_factory=count)

    @property
    def reserved_usd(self) -> Decimal:
        return sum((usd for usd, _ in self._held.values()), Decimal("0"))

    @property
    def reserved_tokens(self) -> int:
        return sum(tokens for _, tokens in self._held.values())

    def reserve(self, usd: Decimal, tokens: int) -> int:
        """Hold ``usd``/``tokens`` for one call, or raise ``BudgetExhausted``.

        No ``await`` happens in here, so concurrent tasks on one loop cannot interleave.
        """
        if self.spent_usd + self.reserved_usd + usd > self.max_usd:
            raise BudgetExhausted(
                f"model budget exhausted: ${self.spent_usd} spent, ${self.reserved_usd} held "
                f"by calls in flight, the next call may cost up to ${usd}, limit "
                f"${self.max_usd} (REVIEWER_MAX_COST_PER_REVIEW_USD)"
            )
        if self.spent_tokens + self.reserved_tokens + tokens > self.max_tokens:
            raise BudgetExhausted(
                f"model token budget exhausted: {self.spent_tokens} used, the next call may "
                f"use up to {tokens}, limit {self.max_tokens} (REVIEWER_MAX_TOKENS_PER_REVIEW)"
            )
        ticket = next(self._ids)
        self._held[ticket] = (usd, tokens)
        return ticket

    def settle(self, ticket: int, usd: Decimal, tokens: int) -> None:
        """Replace the hold with what the call really cost (it may exceed the estimate)."""
        self._held.pop(ticket, None)
        self.spent_usd += usd
        self.spent_tokens += tokens

    def release(self, ticket: int) -> None:
        """The call was not billed (it failed before the model ran)."""
        self._held.pop(ticket, None)
