"""The model layer: a provider port with Anthropic and OpenAI(-compatible) adapters.

Sub-agents see only ``ModelClient`` (one per review: budget, shared prefix, structured
output with one repair). ``ModelRouter`` holds the configured failover chain, circuit
breakers and prices for the life of the process; ``configured_model`` builds it from
the settings.

Exports load on first use: a review without a model configured never imports the
clients, the failover machinery or the metrics they feed (start-up time, issue 18).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewer.llm.budget import Budget, BudgetExhausted
    from reviewer.llm.client import (
        ModelCallFailed,
        ModelClient,
        ModelRouter,
        Spend,
        StructuredResult,
        json_schema,
    )
    from reviewer.llm.factory import configured_model
    from reviewer.llm.port import (
        Completion,
        ErrorKind,
        LLMProvider,
        Prompt,
        ProviderError,
        ProviderSpec,
        TokenUsage,
        estimate_tokens,
    )
    from reviewer.llm.pricing import PRICES, ModelInfo, cost_usd, model_info
    from reviewer.llm.resilience import Breakers, ModelUnavailable, RetryPolicy

_WHERE = {
    "Breakers": "resilience",
    "Budget": "budget",
    "BudgetExhausted": "budget",
    "Completion": "port",
    "ErrorKind": "port",
    "LLMProvider": "port",
    "ModelCallFailed": "client",
    "ModelClient": "client",
    "ModelInfo": "pricing",
    "ModelRouter": "client",
    "ModelUnavailable": "resilience",
    "PRICES": "pricing",
    "Prompt": "port",
    "ProviderError": "port",
    "ProviderSpec": "port",
    "RetryPolicy": "resilience",
    "Spend": "client",
    "StructuredResult": "client",
    "TokenUsage": "port",
    "configured_model": "factory",
    "cost_usd": "pricing",
    "estimate_tokens": "port",
    "json_schema": "client",
    "model_info": "pricing",
}

__all__ = [
    "PRICES",
    "Breakers",
    "Budget",
    "BudgetExhausted",
    "Completion",
    "ErrorKind",
    "LLMProvider",
    "ModelCallFailed",
    "ModelClient",
    "ModelInfo",
    "ModelRouter",
    "ModelUnavailable",
    "Prompt",
    "ProviderError",
    "ProviderSpec",
    "RetryPolicy",
    "Spend",
    "StructuredResult",
    "TokenUsage",
    "configured_model",
    "cost_usd",
    "estimate_tokens",
    "json_schema",
    "model_info",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
