"""Retries, failover and a circuit breaker per provider: the only layer that retries.

The SDKs' own retries are off (``max_retries=0``), otherwise retries would multiply.
Policy, per call:

- 429: wait for ``retry-after`` (jittered backoff when absent) and retry the same model,
  up to ``max_retries``; a ``retry-after`` beyond ``max_wait_s`` fails over instead.
- 5xx/529/timeouts: fail over to the next configured model at once (the overloaded one
  needs less traffic, not more); with nothing left to fail over to, retry with backoff.
- spend/quota limits and other 4xx: never retried; the next model is tried.
- A provider that failed ``threshold`` times in a row (or hit a spend limit or an auth
  error once) is skipped for ``cooldown_s``, then one trial call decides.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from reviewer.llm.port import Completion, ErrorKind, LLMProvider, Prompt, ProviderError

log = structlog.get_logger("reviewer.llm")


class ModelUnavailable(Exception):
    """Every configured model failed or was skipped for this call."""


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    backoff_base_s: float = 1.0
    backoff_max_s: float = 20.0
    max_wait_s: float = 30.0  # a longer retry-after means: go elsewhere
    timeout_s: float = 90.0

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry ``attempt`` (0-based), or None to give up here."""
        if retry_after is not None:
            if retry_after > self.max_wait_s:
                return None
            return retry_after + random.uniform(0, self.backoff_base_s / 4)
        cap = min(self.backoff_max_s, self.backoff_base_s * 2**attempt)
        return random.uniform(cap / 2, cap)  # "equal jitter": never zero, never in lockstep


@dataclass
class CircuitBreaker:
    threshold: int = 5
    cooldown_s: float = 30.0
    failures: int = 0
    opened_at: float | None = None
    trial_in_flight: bool = False

    def allows(self) -> bool:
        if self.opened_at is None:
            return True
        cooling = time.monotonic() - self.opened_at < self.cooldown_s
        return not (cooling or self.trial_in_flight)

    def before_call(self) -> None:
        if self.opened_at is not None:
            self.trial_in_flight = True  # half-open: this call is the trial

    def success(self) -> None:
        self.failures, self.opened_at, self.trial_in_flight = 0, None, False

    def failure(self, kind: ErrorKind) -> None:
        self.failures += 1
        self.trial_in_flight = False
        hard = kind in (ErrorKind.spend_limit, ErrorKind.rejected)
        if hard or self.failures >= self.threshold or self.opened_at is not None:
            self.opened_at = time.monotonic()

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.allows() else "open"


class Breakers:
    """One breaker per provider name, long-lived (shared by all reviews of a process)."""

    def __init__(self, threshold: int = 5, cooldown_s: float = 30.0) -> None:
        self.threshold, self.cooldown_s = threshold, cooldown_s
        self._by_name: dict[str, CircuitBreaker] = {}

    def __getitem__(self, name: str) -> CircuitBreaker:
        if name not in self._by_name:
            self._by_name[name] = CircuitBreaker(self.threshold, self.cooldown_s)
        return self._by_name[name]


async def _attempt(provider: LLMProvider, prompt: Prompt, policy: RetryPolicy) -> Completion:
    try:
        # The SDK enforces the timeout too; this is the backstop for a stuck stream.
        return await asyncio.wait_for(provider.complete(prompt), policy.timeout_s + 5)
    except TimeoutError:
        raise ProviderError(
            ErrorKind.timeout, f"no answer in {policy.timeout_s:g}s", provider.name
        ) from None


async def complete_with_failover(
    providers: Sequence[LLMProvider], prompt: Prompt, policy: RetryPolicy, breakers: Breakers
) -> Completion:
    """The first successful completion along the failover chain."""
    errors: list[str] = []
    for index, provider in enumerate(providers):
        breaker = breakers[provider.name]
        if not breaker.allows():
            errors.append(f"{provider.name}: circuit open after repeated failures")
            continue
        for attempt in range(policy.max_retries + 1):
            breaker.before_call()
            try:
                completion = await _attempt(provider, prompt, policy)
            except ProviderError as exc:
                breaker.failure(exc.kind)
                errors.append(str(exc))
                log.warning("llm.call_failed", provider=provider.name, kind=exc.kind.value,
                            status=exc.status, attempt=attempt)  # fmt: skip
                later = any(breakers[p.name].allows() for p in providers[index + 1 :])
                if not exc.kind.retryable or attempt == policy.max_retries:
                    break
                if exc.kind is not ErrorKind.rate_limited and later:
                    break  # overloaded or timed out: fail over rather than pile on
                delay = policy.delay(attempt, exc.retry_after)
                if delay is None or not breaker.allows():
                    break
                await asyncio.sleep(delay)
                continue
            breaker.success()
            return completion
    raise ModelUnavailable("all configured models failed: " + "; ".join(errors))
