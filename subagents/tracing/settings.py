"""The tracer's settings, read as the host's are (environment, then ``.env``) but on their
own: worker processes that parse and ``reviewer trace`` need not load the model layer
the host's ``Settings`` bring in."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from reviewer.errors import ConfigError

PREFIX = "REVIEWER_TRACE_"


class TraceSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    cache_dir: Path | None = None  # None: the user's cache directory
    cache_max_mb: int = Field(default=2048, ge=16)
    time_budget_seconds: float = Field(default=2.0, ge=0)


def trace_settings() -> TraceSettings:
    """Current settings (read on each call: a test or an operator may change them)."""
    try:
        return TraceSettings()
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, PREFIX) from None
