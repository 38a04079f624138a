"""Published prices and limits per model, and the cost of one call's usage.

Prices are US dollars per million tokens, as published by the providers (2025-11); a host
can override or add models with ``REVIEWER_MODEL_PRICES`` (JSON, see the README). A model
that is not in the table is priced at the most expensive known rate of its provider when
it is called on the provider's own API, so the budget fails safe; on a custom base URL
(a local or self-hosted server) it costs nothing unless configured.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from reviewer.llm.port import TokenUsage

MILLION = Decimal(1_000_000)


class ModelInfo(BaseModel):
    """Dollars per million tokens, and the window that sizes the prompt."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)
    cached_input: Decimal | None = Field(default=None, ge=0)  # None: same as input
    cache_write: Decimal | None = Field(default=None, ge=0)  # None: same as input
    context_window: int = Field(default=128_000, gt=0)
    max_output_tokens: int = Field(default=8192, gt=0)


def _m(inp: str, out: str, cached: str, write: str | None, window: int, max_out: int) -> ModelInfo:
    return ModelInfo(
        input=Decimal(inp),
        output=Decimal(out),
        cached_input=Decimal(cached),
        cache_write=Decimal(write) if write is not None else None,
        context_window=window,
        max_output_tokens=max_out,
    )


# Longest prefix wins, so dated snapshots (claude-sonnet-4-5-20250929) match their family.
PRICES: dict[str, ModelInfo] = {
    "anthropic:claude-opus-4-5": _m("5", "25", "0.50", "6.25", 200_000, 64_000),
    "anthropic:claude-opus-4": _m("15", "75", "1.50", "18.75", 200_000, 32_000),
    "anthropic:claude-sonnet-4": _m("3", "15", "0.30", "3.75", 200_000, 64_000),
    "anthropic:claude-haiku-4-5": _m("1", "5", "0.10", "1.25", 200_000, 64_000),
    "anthropic:claude-3-5-haiku": _m("0.80", "4", "0.08", "1.00", 200_000, 8192),
    "openai:gpt-5-nano": _m("0.05", "0.40", "0.005", None, 400_000, 128_000),
    "openai:gpt-5-mini": _m("0.25", "2", "0.025", None, 400_000, 128_000),
    "openai:gpt-5": _m("1.25", "10", "0.125", None, 400_000, 128_000),
    "openai:gpt-4.1-nano": _m("0.10", "0.40", "0.025", None, 1_047_576, 32_768),
    "openai:gpt-4.1-mini": _m("0.40", "1.60", "0.10", None, 1_047_576, 32_768),
    "openai:gpt-4.1": _m("2", "8", "0.50", None, 1_047_576, 32_768),
    "openai:gpt-4o-mini": _m("0.15", "0.60", "0.075", None, 128_000, 16_384),
    "openai:gpt-4o": _m("2.50", "10", "1.25", None, 128_000, 16_384),
}
LOCAL_DEFAULT = ModelInfo(
    input=Decimal(0), output=Decimal(0), context_window=8192, max_output_tokens=2048
)


def model_info(
    name: str, *, custom_base_url: bool = False, overrides: dict[str, ModelInfo] | None = None
) -> ModelInfo:
    """Prices and limits for ``provider:model``; see the module docstring for unknowns."""
    table = {**PRICES, **(overrides or {})}
    if name in table:
        return table[name]
    matches = [key for key in table if name.startswith(key)]
    if matches:
        return table[max(matches, key=len)]
    if custom_base_url:
        return LOCAL_DEFAULT
    provider = name.split(":", 1)[0]
    same = [info for key, info in PRICES.items() if key.startswith(provider + ":")]
    worst = max(same, key=lambda i: (i.output, i.input))
    return worst.model_copy(update={"context_window": min(i.context_window for i in same)})


def cost_usd(usage: TokenUsage, info: ModelInfo) -> Decimal:
    """Dollars for one call: uncached input, cache reads and writes, output."""
    cached = info.cached_input if info.cached_input is not None else info.input
    write = info.cache_write if info.cache_write is not None else info.input
    fresh = max(0, usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens)
    total = (
        fresh * info.input
        + usage.cached_tokens * cached
        + usage.cache_write_tokens * write
        + usage.output_tokens * info.output
    )
    return (total / MILLION).quantize(Decimal("0.000001"))


def worst_case_cost(input_tokens: int, output_tokens: int, info: ModelInfo) -> Decimal:
    """What a call could cost if nothing were cached (the budget reserves this)."""
    write = max(info.input, info.cache_write or info.input)
    return ((input_tokens * write + output_tokens * info.output) / MILLION).quantize(
        Decimal("0.000001")
    )
