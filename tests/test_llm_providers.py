"""The model layer through the real SDKs against the fake providers on loopback:
request shape, usage and cost, retries, failover, circuit breaker, repair, budget."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from reviewer.errors import ConfigError
from reviewer.llm import ModelCallFailed, Prompt, configured_model
from subagents.modelpart import REVIEW_SCHEMA, ModelReview
from tests.fakes.models import answer, error, finding, malformed, stall, truncated

BOTH = "anthropic:claude-haiku-4-5,openai:gpt-5-mini"


def prompt(context: str = "<untrusted_data>diff</untrusted_data>") -> Prompt:
    return Prompt(system="You review.", context=context, instruction="<your_task "
                  'specialist="logic">Is it correct?</your_task>', schema=REVIEW_SCHEMA,
                  max_output_tokens=500)  # fmt: skip


async def ask(fakes, models: str = BOTH, p: Prompt | None = None, **settings):
    router = configured_model(fakes.settings(models, **settings))
    try:
        return await router.session().structured(p or prompt(), ModelReview)
    finally:
        await router.aclose()


async def test_anthropic_forced_tool_use_usage_and_cost(fake_models):
    fake_models.anthropic.script(answer({**answer().answer, "findings": [finding("major")]}))
    result = await ask(fake_models)
    assert result.value.findings[0].severity == "major"
    body = fake_models.anthropic.calls[0].body
    assert body["tool_choice"] == {"type": "tool", "name": "submit_review"}
    assert body["tools"][0]["input_schema"] == REVIEW_SCHEMA
    assert body["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert result.spend.model == "anthropic:claude-haiku-4-5" and result.spend.calls == 1
    usage = result.spend.usage
    assert usage.input_tokens > 0 and usage.output_tokens == 60
    assert result.spend.cost_usd == (usage.input_tokens * 1 + 60 * 5) / Decimal(10**6)


async def test_openai_forced_function_call_on_a_compatible_server(fake_models):
    result = await ask(fake_models, "openai:smollm2")
    assert not result.value.abstain
    body = fake_models.openai.calls[0].body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "submit_review"}}
    assert "response_format" not in body  # llama.cpp's server rejects json_schema
    assert body["max_tokens"] == 500  # compatible servers get max_tokens
    assert result.spend.cost_usd == 0  # unknown model on a custom base URL: free


async def test_429_retry_after_is_honoured_on_the_same_provider(fake_models):
    fake_models.anthropic.script(error(429, "rate_limit_error", retry_after=0.3), answer())
    started = time.monotonic()
    result = await ask(fake_models)
    assert time.monotonic() - started >= 0.3
    assert [c.status for c in fake_models.anthropic.calls] == [429, 200]
    assert not fake_models.openai.calls and result.spend.model.startswith("anthropic")


@pytest.mark.parametrize("failure", [error(529, "overloaded_error"), error(500), stall(3.0)])
async def test_overload_5xx_and_timeout_fail_over_to_the_next_provider(fake_models, failure):
    fake_models.anthropic.script(failure)
    result = await ask(fake_models, model_timeout_seconds=1.0)
    assert len(fake_models.anthropic.calls) == 1, "the SDK's own retries must be off"
    assert len(fake_models.openai.calls) == 1
    assert result.spend.model == "openai:gpt-5-mini"


async def test_overload_is_retried_with_backoff_when_nothing_is_left(fake_models):
    fake_models.anthropic.script(error(529, "overloaded_error"), error(503), answer())
    result = await ask(fake_models, "anthropic:claude-haiku-4-5")
    assert [c.status for c in fake_models.anthropic.calls] == [529, 503, 200]
    assert result.spend.calls == 1


@pytest.mark.parametrize(
    ("provider", "step"),
    [
        ("openai", error(429, "insufficient_quota", code="insufficient_quota")),
        ("anthropic", error(429, "rate_limit_error", code="enforced_spend_limit_reached")),
        ("anthropic", error(402, "billing_error")),
    ],
)
async def test_spend_limit_is_never_retried(fake_models, provider, step):
    getattr(fake_models, provider).script(step, step, step)
    with pytest.raises(ModelCallFailed) as info:
        await ask(fake_models, "openai:gpt-5-mini" if provider == "openai" else
                  "anthropic:claude-haiku-4-5")  # fmt: skip
    assert info.value.kind == "unavailable" and "spend_limit" in info.value.message
    assert len(getattr(fake_models, provider).calls) == 1


async def test_circuit_breaker_skips_a_failing_provider(fake_models):
    fake_models.anthropic.script(*[error(500)] * 10)
    router = configured_model(fake_models.settings(BOTH))
    router.breakers.threshold = 2
    try:
        for _ in range(4):
            await router.session().structured(prompt(), ModelReview)
    finally:
        await router.aclose()
    assert len(fake_models.anthropic.calls) == 2, "open after two failures: no more calls"
    assert len(fake_models.openai.calls) == 4
    assert router.breakers["anthropic:claude-haiku-4-5"].state == "open"


@pytest.mark.parametrize("bad", [malformed(), truncated(), answer({"findings": "many"})])
async def test_invalid_output_is_repaired_once(fake_models, bad):
    fake_models.openai.script(bad, answer())
    result = await ask(fake_models, "openai:gpt-5-mini")
    calls = fake_models.openai.calls
    assert len(calls) == 2 and result.spend.calls == 2
    assert "<repair>" not in calls[0].raw and "<repair>" in calls[1].raw
    assert result.spend.usage.output_tokens == 120, "the failed attempt is paid for too"


async def test_invalid_output_twice_fails(fake_models):
    fake_models.anthropic.script(answer({"abstain": True, "summary": "x"}), malformed())
    with pytest.raises(ModelCallFailed) as info:
        await ask(fake_models, "anthropic:claude-haiku-4-5")
    assert info.value.kind == "invalid" and info.value.spend.calls == 2


async def test_budget_stops_calls_before_they_are_made(fake_models):
    with pytest.raises(ModelCallFailed) as info:
        await ask(fake_models, max_cost_per_review_usd=Decimal("0.001"))
    assert info.value.kind == "budget" and "REVIEWER_MAX_COST_PER_REVIEW_USD" in info.value.message
    assert not fake_models.anthropic.calls and not fake_models.openai.calls


def test_a_listed_provider_without_a_key_is_a_config_error(fake_models):
    with pytest.raises(ConfigError, match="REVIEWER_ANTHROPIC_API_KEY"):
        configured_model(fake_models.settings(BOTH, anthropic_api_key=None))


def test_schema_has_no_refs_for_grammar_compilers():
    assert "$ref" not in json.dumps(REVIEW_SCHEMA) and "$defs" not in REVIEW_SCHEMA
