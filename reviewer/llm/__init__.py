"""The model layer: a provider port with Anthropic and OpenAI(-compatible) adapters.

Sub-agents see only ``ModelClient`` (one per review: budget, shared prefix, structured
output with one repair). ``ModelRouter`` holds the configured failover chain, circuit
breakers and prices for the life of the process; ``configured_model`` builds it from
the settings.
"""

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
