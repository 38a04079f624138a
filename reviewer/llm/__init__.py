"""The model layer's port. Providers (Anthropic, OpenAI-compatible) plug in behind it."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel


class ModelClient(Protocol):
    """What a sub-agent may ask of a model: a structured answer to a prompt."""

    name: str

    async def structured(
        self, *, system: str, prompt: str, schema: type[BaseModel]
    ) -> BaseModel: ...


def configured_model(models: list[str]) -> ModelClient | None:
    """The model client for the configured providers, or ``None`` when there are none.

    Provider adapters arrive with the panel issue; until then every review runs with
    the deterministic parts only and can never be approved.
    """
    return None
