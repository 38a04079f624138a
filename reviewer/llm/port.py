"""The provider port: what a model call looks like on the way in and the way out.

Adapters (``anthropic.py``, ``openai.py``) translate a ``Prompt`` into one API call and
its response into a ``Completion``, and every failure into a ``ProviderError`` with a
``kind``. Everything above the port (retries, failover, budget, validation) is provider
neutral, so one layer owns each policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

CHARS_PER_TOKEN = 3.5  # conservative for code; real counts come back in the usage fields


def estimate_tokens(text: str) -> int:
    """A cheap upper-leaning estimate, used only for budgets before a call is made."""
    return int(len(text) / CHARS_PER_TOKEN) + 1


@dataclass(frozen=True)
class Prompt:
    """One structured-output call. ``system`` + ``context`` are the shared prefix: they
    must be byte-identical across the panel's calls so providers can cache them, and so
    must the tool (name, description, schema)."""

    system: str
    context: str
    instruction: str
    schema: dict[str, Any]
    tool_name: str = "submit_review"
    tool_description: str = "Submit your review. This is the only way to answer."
    max_output_tokens: int = 2048

    def estimated_input_tokens(self) -> int:
        return estimate_tokens(self.system + self.context + self.instruction) + 200


@dataclass(frozen=True)
class TokenUsage:
    """Normalised usage: ``input_tokens`` counts the whole prompt, cached parts included."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0  # read from the provider's prompt cache
    cache_write_tokens: int = 0  # written to it (Anthropic charges a premium for these)

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_tokens + other.cached_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
        )


@dataclass(frozen=True)
class Completion:
    """A provider's answer: the forced tool call's arguments, unparsed, and the usage.

    ``truncated`` is set when the provider stopped at the output limit; the caller treats
    that as invalid output, but the tokens were spent and are still accounted.
    """

    provider: str
    model: str
    arguments: str
    usage: TokenUsage
    truncated: bool = False
    stop_reason: str = ""


class ErrorKind(StrEnum):
    rate_limited = "rate_limited"  # 429: retry after the advertised delay
    overloaded = "overloaded"  # 5xx/529: fail over, retry when nothing else is left
    timeout = "timeout"  # the call or the connection timed out
    spend_limit = "spend_limit"  # quota/credit/spend limit: never retried
    rejected = "rejected"  # 4xx (auth, bad request): retrying cannot help

    @property
    def retryable(self) -> bool:
        return self in (ErrorKind.rate_limited, ErrorKind.overloaded, ErrorKind.timeout)


@dataclass
class ProviderError(Exception):
    """A failed call, classified so the resilience layer can decide without SDK types."""

    kind: ErrorKind
    message: str
    provider: str = ""
    status: int | None = None
    retry_after: float | None = None

    def __str__(self) -> str:
        status = f" {self.status}" if self.status else ""
        return f"{self.provider}: {self.kind.value}{status}: {self.message}"[:500]


@dataclass(frozen=True)
class ProviderSpec:
    """Which model, where, and the limits that shape prompts for it."""

    provider: str  # "anthropic" | "openai"
    model: str
    context_window: int
    max_output_tokens: int
    base_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.provider}:{self.model}"


class LLMProvider(Protocol):
    """One configured model behind one API. ``complete`` makes exactly one HTTP call:
    the SDK's own retries are off, retries belong to ``reviewer.llm.resilience``."""

    spec: ProviderSpec
    cache_write_premium: bool  # True when concurrent cold calls would each pay a cache write

    @property
    def name(self) -> str: ...

    async def complete(self, prompt: Prompt) -> Completion: ...

    async def aclose(self) -> None: ...


def retry_after_seconds(headers: Any) -> float | None:
    """``retry-after-ms`` or ``retry-after`` (seconds; HTTP dates are not used by these APIs)."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            continue
    return None


SPEND_WORDS = ("spend_limit", "insufficient_quota", "billing", "credit balance", "quota")


def kind_for_status(status: int, detail: str = "") -> ErrorKind:
    """How to treat an HTTP error from any provider; ``detail`` is its code and message."""
    if status == 402 or any(word in detail.lower() for word in SPEND_WORDS):
        return ErrorKind.spend_limit
    if status == 429:
        return ErrorKind.rate_limited
    if status in (408, 504):
        return ErrorKind.timeout
    if status >= 500:
        return ErrorKind.overloaded
    return ErrorKind.rejected


@contextmanager
def provider_errors(provider: str, sdk: Any) -> Iterator[None]:
    """Turn an SDK's errors into ``ProviderError``. The anthropic and openai SDKs share
    these class names (``APIStatusError``, ``APITimeoutError``, ...), so one mapping
    serves both; ``sdk`` is the SDK module."""
    try:
        yield
    except sdk.APIStatusError as exc:
        message = getattr(exc, "api_message", None) or exc.message
        code = getattr(exc, "error_code", None) or getattr(exc, "code", None) or ""
        raise ProviderError(
            kind_for_status(exc.status_code, f"{code} {exc.type or ''} {message}"),
            message[:300],
            provider,
            exc.status_code,
            retry_after_seconds(exc.response.headers),
        ) from None
    except sdk.APITimeoutError:
        raise ProviderError(ErrorKind.timeout, "request timed out", provider) from None
    except sdk.APIConnectionError as exc:
        raise ProviderError(ErrorKind.timeout, f"connection: {exc}", provider) from None
    except sdk.APIResponseValidationError as exc:
        raise ProviderError(ErrorKind.overloaded, f"unreadable response: {exc}", provider) from None
