"""Build the configured failover chain from host settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from reviewer.errors import ConfigError
from reviewer.llm.client import ModelRouter
from reviewer.llm.port import LLMProvider, ProviderSpec
from reviewer.llm.pricing import model_info
from reviewer.llm.resilience import Breakers, RetryPolicy

if TYPE_CHECKING:
    from reviewer.settings import Settings


def _key(value: SecretStr | None, variable: str, entry: str) -> str:
    if value is None or not value.get_secret_value():
        raise ConfigError(f"REVIEWER_MODELS lists {entry!r} but {variable} is not set")
    return value.get_secret_value()


def configured_model(settings: Settings) -> ModelRouter | None:
    """The failover chain of ``REVIEWER_MODELS``, or ``None`` when it is empty."""
    if not settings.models:
        return None
    providers: list[LLMProvider] = []
    infos = {}
    for entry in settings.models:
        provider, _, model = entry.partition(":")
        base_url = (
            settings.anthropic_base_url if provider == "anthropic" else settings.openai_base_url
        )
        info = model_info(entry, custom_base_url=bool(base_url), overrides=settings.model_prices)
        spec = ProviderSpec(provider, model, info.context_window, info.max_output_tokens, base_url)
        timeout = settings.model_timeout_seconds
        if provider == "anthropic":
            key = _key(settings.anthropic_api_key, "REVIEWER_ANTHROPIC_API_KEY", entry)
            from reviewer.llm.anthropic import AnthropicProvider  # the SDK loads slowly

            providers.append(AnthropicProvider(spec, key, timeout))
        else:
            # A local server may need no key, but the SDK insists on one.
            key = (
                _key(settings.openai_api_key, "REVIEWER_OPENAI_API_KEY", entry)
                if not base_url
                else (settings.openai_api_key.get_secret_value() if settings.openai_api_key
                      else "unused")
            )  # fmt: skip
            from reviewer.llm.openai import OpenAIProvider  # only when configured

            providers.append(OpenAIProvider(spec, key, timeout))
        infos[entry] = info
    return ModelRouter(
        providers,
        infos,
        max_cost_usd=settings.max_cost_per_review_usd,
        max_tokens=settings.max_tokens_per_review,
        max_output_tokens=settings.model_max_output_tokens,
        policy=RetryPolicy(
            max_retries=settings.model_max_retries,
            backoff_base_s=settings.model_backoff_base_seconds,
            timeout_s=timeout,
        ),
        breakers=Breakers(),
        cache_warmup=settings.model_cache_warmup,
    )
