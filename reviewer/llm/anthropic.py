"""Anthropic Messages API adapter: forced tool use for structured output, cached prefix.

The prompt is laid out so the cacheable part comes first and is identical across the
panel: tool definition, system rules, then the shared context block carrying
``cache_control``; only the specialist's instruction after it differs per call.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic

from reviewer.llm.perloop import PerLoop
from reviewer.llm.port import (
    Completion,
    Prompt,
    ProviderSpec,
    TokenUsage,
    provider_errors,
)


class AnthropicProvider:
    """One Claude model. The SDK's retries are off: ``reviewer.llm.resilience`` retries."""

    cache_write_premium = True  # a cold cache write costs 1.25x input; see ModelClient

    def __init__(self, spec: ProviderSpec, api_key: str, timeout_s: float) -> None:
        self.spec = spec
        self._clients = PerLoop(
            lambda: anthropic.AsyncAnthropic(
                api_key=api_key, base_url=spec.base_url, max_retries=0, timeout=timeout_s
            )
        )

    @property
    def name(self) -> str:
        return self.spec.name

    def request(self, prompt: Prompt) -> dict[str, Any]:
        """The request body; public so tests and benchmarks can see the exact layout."""
        return {
            "model": self.spec.model,
            "max_tokens": prompt.max_output_tokens,
            "tools": [
                {
                    "name": prompt.tool_name,
                    "description": prompt.tool_description,
                    "input_schema": prompt.schema,
                }
            ],
            "tool_choice": {"type": "tool", "name": prompt.tool_name},
            "system": [{"type": "text", "text": prompt.system}],
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "text",
                            "text": prompt.context,
                            "cache_control": {"type": "ephemeral"},
                        },
                        {"type": "text", "text": prompt.instruction},
                    ],
                }
            ],
        }

    async def complete(self, prompt: Prompt) -> Completion:
        with provider_errors(self.name, anthropic):
            message = await self._clients.get().messages.create(**self.request(prompt))
        tool = next(
            (b for b in message.content if b.type == "tool_use" and b.name == prompt.tool_name),
            None,
        )
        if tool is not None:
            arguments = json.dumps(tool.input)
        else:
            arguments = "".join(getattr(b, "text", "") for b in message.content)
        u = message.usage
        read, write = u.cache_read_input_tokens or 0, u.cache_creation_input_tokens or 0
        return Completion(
            provider=self.spec.provider,
            model=self.spec.model,
            arguments=arguments,
            usage=TokenUsage(u.input_tokens + read + write, u.output_tokens, read, write),
            truncated=message.stop_reason == "max_tokens",
            stop_reason=str(message.stop_reason),
        )

    async def aclose(self) -> None:
        await self._clients.aclose()
