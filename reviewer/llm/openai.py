"""OpenAI Chat Completions adapter, also for OpenAI-compatible servers by base URL.

Structured output is a forced function call (``tools`` + ``tool_choice``): standard on
OpenAI and accepted by llama.cpp's server, which rejects ``response_format`` JSON
schemas (docs/decisions.md). OpenAI caches identical prompt prefixes automatically, so
the shared prefix goes first and the specialist's instruction last.
"""

from __future__ import annotations

from typing import Any

import openai

from reviewer.llm.perloop import PerLoop
from reviewer.llm.port import (
    Completion,
    ErrorKind,
    Prompt,
    ProviderError,
    ProviderSpec,
    TokenUsage,
    provider_errors,
)


class OpenAIProvider:
    """One OpenAI (or compatible) model. The SDK's retries are off."""

    cache_write_premium = False  # automatic caching has no write surcharge

    def __init__(self, spec: ProviderSpec, api_key: str, timeout_s: float) -> None:
        self.spec = spec
        self._clients = PerLoop(
            lambda: openai.AsyncOpenAI(
                api_key=api_key, base_url=spec.base_url, max_retries=0, timeout=timeout_s
            )
        )

    @property
    def name(self) -> str:
        return self.spec.name

    def request(self, prompt: Prompt) -> dict[str, Any]:
        """The request body; public so tests and benchmarks can see the exact layout."""
        # OpenAI's reasoning models only take max_completion_tokens; compatible servers
        # (llama.cpp, vLLM) reliably understand max_tokens.
        limit = "max_tokens" if self.spec.base_url else "max_completion_tokens"
        return {
            "model": self.spec.model,
            limit: prompt.max_output_tokens,
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": prompt.tool_name,
                        "description": prompt.tool_description,
                        "parameters": prompt.schema,
                    },
                }
            ],
            "tool_choice": {"type": "function", "function": {"name": prompt.tool_name}},
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": f"{prompt.context}\n\n{prompt.instruction}"},
            ],
        }

    async def complete(self, prompt: Prompt) -> Completion:
        with provider_errors(self.name, openai):
            response = await self._clients.get().chat.completions.create(**self.request(prompt))
        if not response.choices:
            raise ProviderError(ErrorKind.overloaded, "response without choices", self.name)
        choice = response.choices[0]
        calls = [
            c
            for c in choice.message.tool_calls or []
            if c.type == "function" and c.function.name == prompt.tool_name
        ]
        arguments = calls[0].function.arguments if calls else (choice.message.content or "")
        u = response.usage
        details = u.prompt_tokens_details if u else None
        cached = (details.cached_tokens or 0) if details else 0
        usage = TokenUsage(u.prompt_tokens, u.completion_tokens, cached) if u else TokenUsage()
        return Completion(
            provider=self.spec.provider,
            model=self.spec.model,
            arguments=arguments,
            usage=usage,
            truncated=choice.finish_reason == "length",
            stop_reason=str(choice.finish_reason),
        )

    async def aclose(self) -> None:
        await self._clients.aclose()
